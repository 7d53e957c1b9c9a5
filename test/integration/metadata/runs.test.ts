import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../core/errors.js';
import { DIALECTS, useFreshStore } from './dialects.js';
import { newRun } from './fixtures.js';

for (const dialect of DIALECTS) {
  describe(`runs [${dialect.name}]`, () => {
    const ctx = useFreshStore(dialect);

    it('creates a queued run with no stages, params and policy round-tripped', async () => {
      const input = newRun('r1', { environmentDigest: 'f'.repeat(64) });
      const run = await ctx.store.runs.createRun(input);
      expect(run).toMatchObject({
        id: 'r1',
        status: 'queued',
        params: input.params,
        policy: input.policy,
        environmentDigest: 'f'.repeat(64),
        datasetVersion: null,
        startedAt: null,
        stages: [],
      });
      expect(await ctx.store.runs.getRun('r1')).toEqual(run);
      expect(await ctx.store.runs.getRun('nope')).toBeUndefined();
    });

    it('is idempotent on id: creating again returns the original run unchanged', async () => {
      const first = await ctx.store.runs.createRun(newRun('r1'));
      const again = await ctx.store.runs.createRun(newRun('r1', { status: 'running', project: 'other' }));
      expect(again).toEqual(first);
      expect(await ctx.store.runs.listRuns()).toHaveLength(1);
    });

    it('updates only the fields given; null clears', async () => {
      await ctx.store.runs.createRun(newRun('r1'));
      await ctx.store.runs.updateRun('r1', { status: 'running', startedAt: 100, error: 'transient' });
      const run = await ctx.store.runs.updateRun('r1', { datasetVersion: 'iris-v1', buildWaitMs: 250, error: null });
      expect(run).toMatchObject({ status: 'running', startedAt: 100, datasetVersion: 'iris-v1', buildWaitMs: 250, error: null, finishedAt: null });
    });

    it('throws NotFoundError when updating an unknown run', async () => {
      await expect(ctx.store.runs.updateRun('ghost', { status: 'failed' })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('upserts stages, keeping fields an update leaves out, in pipeline order', async () => {
      await ctx.store.runs.createRun(newRun('r1'));
      for (const stage of ['evaluate', 'train', 'preprocess']) await ctx.store.runs.upsertStage({ runId: 'r1', stage, status: 'pending' });
      await ctx.store.runs.upsertStage({ runId: 'r1', stage: 'train', status: 'running', attempt: 2, startedAt: 1000 });
      const done = await ctx.store.runs.upsertStage({
        runId: 'r1',
        stage: 'train',
        status: 'succeeded',
        attempt: null,
        finishedAt: 4000,
        durationMs: 3000,
        processMs: 2900,
      });
      expect(done).toEqual({
        runId: 'r1',
        stage: 'train',
        status: 'succeeded',
        attempt: 2,
        startedAt: 1000,
        finishedAt: 4000,
        durationMs: 3000,
        processMs: 2900,
        message: null,
        reusedFrom: null,
      });
      const run = await ctx.store.runs.getRun('r1');
      expect(run?.stages.map((s) => [s.stage, s.status])).toEqual([
        ['preprocess', 'pending'],
        ['train', 'succeeded'],
        ['evaluate', 'pending'],
      ]);
    });

    it('links a resumed run to its original and records which run a cached stage reused', async () => {
      await ctx.store.runs.createRun(newRun('r1'));
      const resumed = await ctx.store.runs.createRun(newRun('r2', { resumedFrom: 'r1' }));
      expect(resumed.resumedFrom).toBe('r1');
      expect((await ctx.store.runs.getRun('r1'))?.resumedFrom).toBeNull();
      await ctx.store.runs.upsertStage({ runId: 'r2', stage: 'train', status: 'cached', message: 'reused from r1', reusedFrom: 'r1' });
      // A later write that leaves reusedFrom out keeps it.
      const stage = await ctx.store.runs.upsertStage({ runId: 'r2', stage: 'train', status: 'cached', durationMs: 0 });
      expect(stage).toMatchObject({ status: 'cached', reusedFrom: 'r1', message: 'reused from r1', durationMs: 0 });
    });

    it("records a run's end and all its stages at once, keeping what a stage's write leaves out", async () => {
      await ctx.store.runs.createRun(newRun('r1'));
      await ctx.store.runs.upsertStage({ runId: 'r1', stage: 'train', status: 'cached', reusedFrom: 'r0', attempt: 1 });
      await ctx.store.runs.recordEnd('r1', { status: 'succeeded', finishedAt: 5000, error: null }, [
        { stage: 'preprocess', status: 'skipped', message: 'no preprocess entrypoint' },
        { stage: 'train', status: 'cached', attempt: null, durationMs: 0 },
        { stage: 'evaluate', status: 'succeeded', attempt: 1, startedAt: 1000, finishedAt: 2000, durationMs: 1000 },
      ]);
      const run = await ctx.store.runs.getRun('r1');
      expect(run).toMatchObject({ status: 'succeeded', finishedAt: 5000, error: null });
      expect(run?.stages.map((s) => [s.stage, s.status, s.attempt, s.reusedFrom, s.durationMs])).toEqual([
        ['preprocess', 'skipped', 0, null, null],
        ['train', 'cached', 1, 'r0', 0],
        ['evaluate', 'succeeded', 1, null, 1000],
      ]);
      await expect(ctx.store.runs.recordEnd('ghost', { status: 'failed' }, [{ stage: 'train', status: 'failed' }])).rejects.toBeInstanceOf(NotFoundError);
      expect(await ctx.store.runs.getRun('ghost')).toBeUndefined();
    });

    it('rejects a stage of an unknown run', async () => {
      await expect(ctx.store.runs.upsertStage({ runId: 'ghost', stage: 'train', status: 'running' })).rejects.toThrow();
    });

    it('lists runs newest first, filtered by project and status, limited', async () => {
      await ctx.store.runs.createRun(newRun('a1', { project: 'a' }));
      await ctx.store.runs.createRun(newRun('b1', { project: 'b', status: 'running' }));
      await ctx.store.runs.createRun(newRun('a2', { project: 'a', status: 'failed' }));
      await ctx.store.runs.createRun(newRun('a3', { project: 'a', status: 'running' }));
      const ids = async (options?: Parameters<typeof ctx.store.runs.listRuns>[0]) => (await ctx.store.runs.listRuns(options)).map((r) => r.id);
      expect(await ids()).toEqual(['a3', 'a2', 'b1', 'a1']);
      expect(await ids({ project: 'a' })).toEqual(['a3', 'a2', 'a1']);
      expect(await ids({ status: 'running' })).toEqual(['a3', 'b1']);
      expect(await ids({ project: 'a', status: ['queued', 'failed'] })).toEqual(['a2', 'a1']);
      expect(await ids({ status: [] })).toEqual([]);
      expect(await ids({ limit: 2 })).toEqual(['a3', 'a2']);
    });
  });
}
