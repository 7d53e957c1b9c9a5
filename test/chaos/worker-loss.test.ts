import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KilnApiClient, RunView } from '../../api/client/kiln-api-client.js';
import type { KilnConfig } from '../../core/config.js';
import { isProcessGroupAlive } from '../../core/executors/local/process-tree.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { eventually } from '../support/process-check.js';
import {
  LONG_TRAIN,
  newestLocalCheckpoint,
  recordedGroups,
  startApiOnly,
  waitForRun,
  waitForTrainCheckpoint,
  withoutResumeMarker,
  WorkerProcess,
} from './chaos-support.js';

let stack: EmbeddedStack;
let client: KilnApiClient;
let config: KilnConfig;
let worker: WorkerProcess | undefined;
let uninterrupted: RunView;
// cache: false, or the stage cache would reuse the baseline's train stage instead of running it.
// retry_count_limit 0: a lost or shut-down worker is the platform's failure, which does not use up the limit.
const resumable = { project: 'checkpointing', cache: false, params: LONG_TRAIN, run_policy: { retry_count_limit: 0, auto_resume: true, timeout_seconds: 120 } };

function trainAttempts(run: RunView) {
  return run.steps.find((s) => s.step === 'train')?.attempts?.map((a) => [a.attempt, a.status, a.failureClass ?? null, a.retried]);
}

beforeAll(async () => {
  ({ stack, client, config } = await startApiOnly('worker-loss', 'checkpointing'));
  worker = await WorkerProcess.start(config);
  uninterrupted = await waitForRun(client, (await client.startRun({ project: 'checkpointing', cache: false, params: LONG_TRAIN })).run_id);
});
afterAll(async () => {
  worker?.child.kill('SIGKILL');
  await stack?.stop();
});

async function modelVersionsOf(run: RunView): Promise<unknown[]> {
  return (await client.listModelVersions(run.modelName)).filter((v) => v.runId === run.runId);
}

describe('a worker lost in the middle of training', () => {
  it('the uninterrupted baseline trains every step', () => {
    expect(uninterrupted.status).toBe('succeeded');
    expect(uninterrupted.metrics).toMatchObject({ steps_trained: 50, resumed_from_step: 0 });
  });

  it('SIGKILLed: its training process dies with it, and a new worker resumes the run from the last checkpoint', async () => {
    const { run_id } = await client.startRun(resumable);
    const group = await waitForTrainCheckpoint(stack, config.home, run_id, 8);
    worker!.child.kill('SIGKILL');
    await worker!.exited;
    // The stage's own watchdog: no orphan keeps training once its worker is gone.
    expect(await eventually(async () => !(await isProcessGroupAlive(group.pgid)), 5_000, 50)).toBe(true);
    const lastStep = newestLocalCheckpoint(config.home, run_id, 1);

    worker = await WorkerProcess.start(config);
    // The new worker uploads what the dead one had not, and fails its attempt for retry at once, not after the heartbeat timeout.
    expect(worker.output.join('')).toContain('failed 1 abandoned activity attempt(s) for retry');
    const run = await waitForRun(client, run_id);
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((s) => s.step === 'train')?.attempt).toBe(2);
    // No work lost: it resumes from the very last step the killed attempt completed.
    expect(run.metrics.resumed_from_step).toBe(lastStep);
    expect(lastStep).toBeGreaterThanOrEqual(8);
    expect(trainAttempts(run)).toEqual([
      [1, 'failed', 'lost_worker', true],
      [2, 'succeeded', null, false],
    ]);
    expect(withoutResumeMarker(run.metrics)).toEqual(withoutResumeMarker(uninterrupted.metrics));
    expect(await modelVersionsOf(run)).toHaveLength(1);
    expect(recordedGroups(config.home)).toEqual([]);
  });

  it('SIGTERMed: it exits within its grace time, and another worker resumes the run from a checkpoint', async () => {
    const { run_id } = await client.startRun(resumable);
    const group = await waitForTrainCheckpoint(stack, config.home, run_id, 8);
    const stopping = Date.now();
    worker!.child.kill('SIGTERM');
    const exit = await worker!.exited;
    const exitMs = Date.now() - stopping;
    expect(exit.code).toBe(0);
    // 5 s shutdown grace, then the stage is killed (2 s grace) and its last checkpoint uploaded.
    expect(exitMs).toBeLessThan(12_000);
    expect(await isProcessGroupAlive(group.pgid)).toBe(false);

    worker = await WorkerProcess.start(config);
    const run = await waitForRun(client, run_id);
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((s) => s.step === 'train')?.attempt).toBe(2);
    expect(run.metrics.resumed_from_step).toBeGreaterThanOrEqual(8);
    expect(trainAttempts(run)).toEqual([
      [1, 'failed', 'worker_shutdown', true],
      [2, 'succeeded', null, false],
    ]);
    expect(withoutResumeMarker(run.metrics)).toEqual(withoutResumeMarker(uninterrupted.metrics));
    expect(await modelVersionsOf(run)).toHaveLength(1);
  });
});
