import { describe, expect, it } from 'vitest';
import { DIALECTS, useFreshStore } from './dialects.js';
import { newRun } from './fixtures.js';

for (const dialect of DIALECTS) {
  describe(`metrics [${dialect.name}]`, () => {
    const ctx = useFreshStore(dialect);
    const withRun = async () => void (await ctx.store.runs.createRun(newRun('r1')));

    it('stores points and reads them back by stage, name and step', async () => {
      await withRun();
      await ctx.store.metrics.recordMany('r1', 'train', [
        { name: 'loss', value: 0.9, step: 2, epoch: 1 },
        { name: 'loss', value: 1.2, step: 1, epoch: 0 },
      ]);
      await ctx.store.metrics.recordMany('r1', 'evaluate', [{ name: 'accuracy', value: 0.93 }]);
      const rows = await ctx.store.metrics.forRun('r1');
      expect(rows.map((m) => [m.stage, m.name, m.step, m.epoch, m.value])).toEqual([
        ['evaluate', 'accuracy', null, null, 0.93],
        ['train', 'loss', 1, 0, 1.2],
        ['train', 'loss', 2, 1, 0.9],
      ]);
      expect(rows[0]?.recordedAt).toEqual(expect.any(Number));
    });

    it("records metrics and stages in one transaction with the store's inTransaction: all of them, or none", async () => {
      await withRun();
      await ctx.store.inTransaction(async ({ metrics, runs }) => {
        await metrics.recordMany('r1', 'train', [{ name: 'loss', value: 0.5 }]);
        await runs.upsertStage({ runId: 'r1', stage: 'train', status: 'cached', reusedFrom: 'r0' });
      });
      const failing = ctx.store.inTransaction(async ({ metrics, runs }) => {
        await metrics.recordMany('r1', 'evaluate', [{ name: 'accuracy', value: 0.9 }]);
        await runs.upsertStage({ runId: 'ghost', stage: 'evaluate', status: 'cached' });
      });
      await expect(failing).rejects.toThrow();
      expect((await ctx.store.metrics.forRun('r1')).map((m) => [m.stage, m.name, m.value])).toEqual([['train', 'loss', 0.5]]);
      expect((await ctx.store.runs.getRun('r1'))?.stages.map((s) => [s.stage, s.status, s.reusedFrom])).toEqual([['train', 'cached', 'r0']]);
    });

    it('is idempotent under retry: re-recording updates instead of duplicating', async () => {
      await withRun();
      const points = [
        { name: 'loss', value: 1, step: 1 },
        { name: 'loss', value: 0.5, step: 2 },
        { name: 'accuracy', value: 0.8 },
      ];
      await ctx.store.metrics.recordMany('r1', 'train', points);
      await ctx.store.metrics.recordMany('r1', 'train', points);
      expect(await ctx.store.metrics.forRun('r1')).toHaveLength(3);
      await ctx.store.metrics.recordMany('r1', 'train', [{ name: 'accuracy', value: 0.85 }]);
      const rows = await ctx.store.metrics.forRun('r1');
      expect(rows).toHaveLength(3);
      expect(rows.find((m) => m.name === 'accuracy')?.value).toBe(0.85);
    });

    it('keeps the later of two points with the same key in one batch', async () => {
      await withRun();
      await ctx.store.metrics.recordMany('r1', 'evaluate', [
        { name: 'f1', value: 0.1 },
        { name: 'f1', value: 0.2 },
      ]);
      expect((await ctx.store.metrics.forRun('r1')).map((m) => m.value)).toEqual([0.2]);
    });

    it('gives each name its value at the highest step, per stage', async () => {
      await withRun();
      await ctx.store.metrics.recordMany('r1', 'train', [
        { name: 'loss', value: 0.3, step: 10 },
        { name: 'loss', value: 0.7, step: 2 },
        { name: 'loss', value: 0.9 },
        { name: '__proto__', value: 1 },
      ]);
      await ctx.store.metrics.recordMany('r1', 'evaluate', [{ name: 'loss', value: 0.4 }]);
      const latest = await ctx.store.metrics.latestByName('r1', 'train');
      expect(Object.entries(latest)).toEqual([
        ['__proto__', 1],
        ['loss', 0.3],
      ]);
      expect(await ctx.store.metrics.latestByName('r1', 'evaluate')).toEqual({ loss: 0.4 });
      expect(await ctx.store.metrics.latestByName('r1', 'preprocess')).toEqual({});
    });

    it('treats names as case-sensitive and orders them by code point, as every dialect does', async () => {
      await withRun();
      const names = ['loss', 'Loss', 'LOSS', 'loss2', 'é'];
      await ctx.store.metrics.recordMany(
        'r1',
        'train',
        names.map((name, i) => ({ name, value: i })),
      );
      expect((await ctx.store.metrics.forRun('r1')).map((m) => [m.name, m.value])).toEqual([
        ['LOSS', 2],
        ['Loss', 1],
        ['loss', 0],
        ['loss2', 3],
        ['é', 4],
      ]);
    });

    it('accepts an empty batch', async () => {
      await withRun();
      await ctx.store.metrics.recordMany('r1', 'train', []);
      expect(await ctx.store.metrics.forRun('r1')).toEqual([]);
    });

    it('rejects points of an unknown run', async () => {
      await expect(ctx.store.metrics.recordMany('ghost', 'train', [{ name: 'loss', value: 1 }])).rejects.toThrow();
    });
  });
}
