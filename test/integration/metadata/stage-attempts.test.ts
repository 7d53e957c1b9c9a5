import { describe, expect, it } from 'vitest';
import { DIALECTS, useFreshStore } from './dialects.js';
import { newRun } from './fixtures.js';

for (const dialect of DIALECTS) {
  describe(`stage attempts [${dialect.name}]`, () => {
    const ctx = useFreshStore(dialect);

    it('records each attempt and how it ended, idempotently', async () => {
      await ctx.store.runs.createRun(newRun('r1'));
      await ctx.store.attempts.begin({ runId: 'r1', stage: 'train', attempt: 1, worker: 'host:1' });
      // A retried activity writes the same start again: still one row, still the first start time.
      await ctx.store.attempts.begin({ runId: 'r1', stage: 'train', attempt: 1, worker: 'host:2' });
      await ctx.store.attempts.end({
        runId: 'r1',
        stage: 'train',
        attempt: 1,
        status: 'failed',
        failureClass: 'out_of_memory',
        retried: true,
        message: 'killed',
        logUri: 'file:///l1',
      });
      await ctx.store.attempts.end({
        runId: 'r1',
        stage: 'train',
        attempt: 1,
        status: 'failed',
        failureClass: 'out_of_memory',
        retried: true,
        message: 'killed',
        logUri: 'file:///l1',
      });
      await ctx.store.attempts.begin({ runId: 'r1', stage: 'train', attempt: 2 });
      await ctx.store.attempts.end({ runId: 'r1', stage: 'train', attempt: 2, status: 'succeeded', retried: false });

      const attempts = await ctx.store.attempts.list('r1');
      expect(attempts.map((a) => [a.stage, a.attempt, a.status, a.failureClass, a.retried, a.message, a.logUri, a.worker])).toEqual([
        ['train', 1, 'failed', 'out_of_memory', true, 'killed', 'file:///l1', 'host:1'],
        ['train', 2, 'succeeded', null, false, null, null, null],
      ]);
      expect(attempts[0]!.finishedAt).toBeGreaterThan(attempts[0]!.startedAt);
    });

    it('counts only the failures that use up retry_count_limit', async () => {
      await ctx.store.runs.createRun(newRun('r2'));
      const fail = async (attempt: number, failureClass: 'lost_worker' | 'worker_shutdown' | 'user_code_error' | 'timeout') => {
        await ctx.store.attempts.begin({ runId: 'r2', stage: 'train', attempt });
        await ctx.store.attempts.end({ runId: 'r2', stage: 'train', attempt, status: 'failed', failureClass, retried: true });
      };
      await fail(1, 'lost_worker');
      await fail(2, 'user_code_error');
      await fail(3, 'worker_shutdown');
      await fail(4, 'timeout');
      expect(await ctx.store.attempts.countTowardsLimit('r2', 'train')).toBe(2);
      expect(await ctx.store.attempts.countTowardsLimit('r2', 'evaluate')).toBe(0);
    });

    it("closes every attempt of the named stages still running at a run's end, and no other stage's", async () => {
      await ctx.store.runs.createRun(newRun('r4'));
      await ctx.store.attempts.begin({ runId: 'r4', stage: 'train', attempt: 1 });
      await ctx.store.attempts.begin({ runId: 'r4', stage: 'train', attempt: 2 });
      await ctx.store.attempts.begin({ runId: 'r4', stage: 'champion', attempt: 1 });
      await ctx.store.attempts.closeAbandonedOfStages('r4', ['preprocess', 'train', 'evaluate'], 'worker died');
      const byKey = Object.fromEntries((await ctx.store.attempts.list('r4')).map((a) => [`${a.stage}/${a.attempt}`, [a.status, a.failureClass]]));
      expect(byKey).toEqual({ 'train/1': ['failed', 'lost_worker'], 'train/2': ['failed', 'lost_worker'], 'champion/1': ['running', null] });
    });

    it('closes earlier attempts left running as lost with their worker, and nothing else', async () => {
      await ctx.store.runs.createRun(newRun('r3'));
      await ctx.store.attempts.begin({ runId: 'r3', stage: 'train', attempt: 1 });
      await ctx.store.attempts.begin({ runId: 'r3', stage: 'evaluate', attempt: 1 });
      expect(await ctx.store.attempts.closeAbandoned('r3', 'train', 2, 'worker died')).toBe(1);
      expect(await ctx.store.attempts.closeAbandoned('r3', 'train', 2, 'worker died')).toBe(0);
      await ctx.store.attempts.begin({ runId: 'r3', stage: 'train', attempt: 2 });
      const byKey = Object.fromEntries(
        (await ctx.store.attempts.list('r3')).map((a) => [`${a.stage}/${a.attempt}`, [a.status, a.failureClass, a.retried, a.message]]),
      );
      expect(byKey).toEqual({
        'train/1': ['failed', 'lost_worker', true, 'worker died'],
        'train/2': ['running', null, null, null],
        'evaluate/1': ['running', null, null, null],
      });
    });

    it('stores the class of a failed run', async () => {
      await ctx.store.runs.createRun(newRun('r4'));
      const run = await ctx.store.runs.updateRun('r4', { status: 'failed', error: 'dataset gone', failureClass: 'missing_data' });
      expect([run.status, run.failureClass]).toEqual(['failed', 'missing_data']);
    });
  });
}
