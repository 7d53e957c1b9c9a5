import { describe, expect, it } from 'vitest';
import { DIALECTS, useFreshStore } from './dialects.js';

const KEY = 'a'.repeat(64);

for (const dialect of DIALECTS) {
  describe(`stage cache [${dialect.name}]`, () => {
    const ctx = useFreshStore(dialect);

    it('records a completed stage by key and finds it by key and by run stage', async () => {
      const entry = await ctx.store.stageCache.record({
        key: KEY,
        runId: 'r1',
        stage: 'train',
        outputPrefix: 'runs/r1/train/outputs',
        metrics: { loss: 0.5, accuracy: 0.75 },
      });
      expect(entry).toMatchObject({ key: KEY, runId: 'r1', stage: 'train', outputPrefix: 'runs/r1/train/outputs', metrics: { loss: 0.5, accuracy: 0.75 } });
      expect(await ctx.store.stageCache.get(KEY)).toEqual(entry);
      expect(await ctx.store.stageCache.findByRunStage('r1', 'train')).toEqual(entry);
      expect(await ctx.store.stageCache.get('b'.repeat(64))).toBeUndefined();
      expect(await ctx.store.stageCache.findByRunStage('r1', 'evaluate')).toBeUndefined();
    });

    it('keeps the first run to complete a key: a later identical stage does not replace it', async () => {
      const first = await ctx.store.stageCache.record({ key: KEY, runId: 'r1', stage: 'train', outputPrefix: 'runs/r1/train/outputs', metrics: {} });
      const again = await ctx.store.stageCache.record({ key: KEY, runId: 'r2', stage: 'train', outputPrefix: 'runs/r2/train/outputs', metrics: { loss: 1 } });
      expect(again).toEqual(first);
    });
  });
}
