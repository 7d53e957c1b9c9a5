/**
 * Pipeline workflow logic on the real Temporal dev server (globalSetup), with test-double
 * activities: ordering, skipping, the gate, retries, cancellation and search attributes (the
 * recorded histories replay in replay-corpus.test.ts). Retries run on the time-skipping test
 * server, so their backoff is checked in server time without being waited for.
 */
import { Context } from '@temporalio/activity';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { StageInput } from '../../activities/stages.js';
import type { RunProgress } from '../../core/pipeline/run-progress.js';
import { KilnRunStatus } from '../../core/temporal/search-attributes.js';
import { progressQuery, type pipelineWorkflow } from '../../workflows/pipeline.js';
import {
  blockUntil,
  DATASET_VERSION,
  deferred,
  ENDPOINT,
  fakeActivities,
  installQuietRuntime,
  MODEL_VERSION,
  pipelineInput,
  SOURCE_DIGEST,
  STAGE_METRICS,
  stageResult,
  startPipeline,
  happyActivities,
  withWorker,
  useTemporalEnv,
  replayOptions,
} from './workflow-harness.js';
import { useTimeSkippingEnv } from './time-skipping-env.js';

installQuietRuntime();

const env = useTemporalEnv();
/** For retries: their backoff passes in server time, not the test's. */
const skipping = useTimeSkippingEnv();

type PipelineHandle = WorkflowHandle<typeof pipelineWorkflow>;

const stepStatuses = (progress: RunProgress) => Object.fromEntries(progress.steps.map((s) => [s.step, s.status]));
const runStatusAttribute = async (handle: PipelineHandle) => (await handle.describe()).typedSearchAttributes.get(KilnRunStatus);

/**
 * Each retry ran its backoff after the attempt before it (the stage policy: 1 s, doubling), in
 * server time, give or take the moment the failing attempt itself took.
 */
function expectBackoff(ranAt: number[], backoffMs: number[]): void {
  const gaps = ranAt.slice(1).map((at, i) => at - ranAt[i]!);
  expect(gaps).toHaveLength(backoffMs.length);
  gaps.forEach((gap, i) => {
    expect(gap).toBeGreaterThanOrEqual(backoffMs[i]!);
    expect(gap).toBeLessThan(backoffMs[i]! + 1000);
  });
}

/** The workflow's failure, or a test failure if it completed. */
async function failureOf(handle: PipelineHandle): Promise<WorkflowFailedError> {
  const error = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return error as WorkflowFailedError;
}

describe('pipelineWorkflow on a real Temporal server', () => {
  it('happy path: activities in order, upstreams chained, every step succeeded; its history replays', async () => {
    const fakes = fakeActivities();
    const input = pipelineInput();
    const { result, handle } = await withWorker(env, fakes.activities, async (taskQueue) => {
      const handle = await startPipeline(env, taskQueue, input);
      return { result: await handle.result(), handle };
    });

    const names = fakes.names();
    // The run record and the run's inputs are prepared in one step, before any stage (a local activity: the dataset is small).
    expect(names).toEqual([
      'prepareRunQuickly',
      'runStage',
      'runStage',
      'runStage',
      'registerModel',
      'planPromotion',
      'deployModel',
      'moveAliasWhileServing',
      'finishRun',
    ]);
    expect(names).not.toContain('awaitEnvironmentBuild');

    const stages = fakes.inputsOf('runStage');
    expect(stages.map((s) => [s.stage, s.upstream])).toEqual([
      ['preprocess', []],
      ['train', ['preprocess']],
      ['evaluate', ['preprocess', 'train']],
    ]);
    expect(stages.map((s) => s.entrypoint)).toEqual(['pipeline.py:preprocess', 'pipeline.py:train', 'pipeline.py:evaluate']);
    for (const s of stages) {
      expect(s).toMatchObject({
        runId: input.runId,
        sourceDigest: SOURCE_DIGEST,
        datasetPrefix: `datasets/iris/${DATASET_VERSION}`,
        environmentDigest: input.environment.digest,
        params: input.params,
        timeoutSeconds: input.policy.timeout_seconds,
      });
    }
    expect(fakes.inputsOf('prepareRunQuickly')[0]).toMatchObject({
      runId: input.runId,
      workflowId: input.runId,
      project: 'iris',
      modelName: 'iris',
      environmentDigest: input.environment.digest,
      sourceDir: input.project.source_dir,
      dataset: input.dataset,
      params: input.params,
      policy: input.policy,
    });
    expect(fakes.inputsOf('registerModel')[0]).toMatchObject({
      runId: input.runId,
      modelName: 'iris',
      datasetVersion: DATASET_VERSION,
      sourceDigest: SOURCE_DIGEST,
      metrics: STAGE_METRICS.evaluate,
    });
    expect(fakes.inputsOf('deployModel')[0]).toMatchObject({ modelName: 'iris', version: MODEL_VERSION });

    expect(result.status).toBe('succeeded');
    expect(result.steps.map((s) => s.step)).toEqual(['prepare', 'environment', 'preprocess', 'train', 'evaluate', 'gate', 'register', 'promote', 'serve']);
    expect(result.steps.every((s) => s.status === 'succeeded')).toBe(true);
    expect(result).toMatchObject({
      metrics: STAGE_METRICS.evaluate,
      modelVersion: MODEL_VERSION,
      endpoint: ENDPOINT,
      buildWaitMs: 0,
      sourceDigest: SOURCE_DIGEST,
      datasetVersion: DATASET_VERSION,
    });
    expect(result.error).toBeUndefined();
    expect(result.steps.find((s) => s.step === 'train')).toMatchObject({ attempt: 1, processMs: 3, durationMs: 5 });
    expect(result.steps.find((s) => s.step === 'gate')?.message).toMatch(/^passed: accuracy 0.95 ≥ 0.9/);

    // finishRun persists exactly the final progress.
    expect(fakes.inputsOf('finishRun')).toEqual([result]);
    expect(await runStatusAttribute(handle)).toBe('succeeded');

    await expect(Worker.runReplayHistory(replayOptions(env.bundle), await handle.fetchHistory(), handle.workflowId)).resolves.toBeUndefined();
  });

  it('environment not ready: awaits the build before any stage, reports it as waiting meanwhile, records the wait', async () => {
    const entered = deferred();
    const release = deferred<{ waitedMs: number }>();
    const fakes = fakeActivities({
      async prepareRun() {
        return { ...(await happyActivities().prepareRun(undefined as never)), environmentReady: false };
      },
      async awaitEnvironmentBuild() {
        entered.resolve();
        return blockUntil(release.promise);
      },
    });
    const input = pipelineInput();
    const { result, waiting, handle } = await withWorker(env, fakes.activities, async (taskQueue) => {
      const handle = await startPipeline(env, taskQueue, input);
      await entered.promise;
      const waiting = await handle.query(progressQuery);
      release.resolve({ waitedMs: 1234 });
      return { result: await handle.result(), waiting, handle };
    });

    expect(waiting.status).toBe('running');
    expect(stepStatuses(waiting)).toMatchObject({ prepare: 'succeeded', environment: 'waiting', preprocess: 'pending', train: 'pending' });
    expect(waiting.steps.find((s) => s.step === 'environment')?.message).toMatch(/waiting for environment build sklearn-py311/);

    const names = fakes.names();
    const awaited = names.indexOf('awaitEnvironmentBuild');
    expect(awaited).toBeGreaterThan(names.indexOf('prepareRunQuickly'));
    expect(awaited).toBeLessThan(names.indexOf('runStage'));
    expect(fakes.inputsOf('awaitEnvironmentBuild')).toEqual([input.environment]);

    expect(result.status).toBe('succeeded');
    expect(result.buildWaitMs).toBe(1234);
    expect(result.steps.find((s) => s.step === 'environment')).toMatchObject({ status: 'succeeded', durationMs: 1234 });
    expect(await runStatusAttribute(handle)).toBe('succeeded');
  });

  it('no preprocess entrypoint: preprocess skipped, train gets no upstream', async () => {
    const fakes = fakeActivities();
    const input = pipelineInput({ project: { entrypoints: { train: 'pipeline.py:train', evaluate: 'pipeline.py:evaluate' } } });
    const result = await withWorker(env, fakes.activities, async (taskQueue) => (await startPipeline(env, taskQueue, input)).result());

    expect(fakes.inputsOf('runStage').map((s) => [s.stage, s.upstream])).toEqual([
      ['train', []],
      ['evaluate', ['train']],
    ]);
    expect(result.status).toBe('succeeded');
    expect(stepStatuses(result)).toEqual({
      prepare: 'succeeded',
      environment: 'succeeded',
      preprocess: 'skipped',
      train: 'succeeded',
      evaluate: 'succeeded',
      gate: 'succeeded',
      register: 'succeeded',
      promote: 'succeeded',
      serve: 'succeeded',
    });
    expect(fakes.inputsOf('deployModel')).toHaveLength(1);
  });

  it('gate failure: rejected, nothing registered or served, finishRun records rejected', async () => {
    const fakes = fakeActivities();
    const input = pipelineInput({
      project: {
        validation_gate: {
          thresholds: [
            { metric: 'accuracy', threshold: 0.99 },
            { metric: 'f1', threshold: 0.5 },
          ],
        },
      },
    });
    const { result, handle } = await withWorker(env, fakes.activities, async (taskQueue) => {
      const handle = await startPipeline(env, taskQueue, input);
      return { result: await handle.result(), handle };
    });

    expect(result.status).toBe('rejected');
    expect(fakes.names()).not.toContain('registerModel');
    expect(fakes.names()).not.toContain('deployModel');
    expect(fakes.names().at(-1)).toBe('finishRun');
    expect(fakes.inputsOf('finishRun')).toHaveLength(1);
    expect(fakes.inputsOf('finishRun')[0]).toMatchObject({ status: 'rejected', failureClass: 'gate_failed', metrics: STAGE_METRICS.evaluate });
    expect(stepStatuses(result)).toMatchObject({ evaluate: 'succeeded', gate: 'failed', register: 'skipped', promote: 'skipped', serve: 'skipped' });
    expect(result.error).toMatch(/validation gate rejected the model: accuracy 0.95 < 0.99, f1 0.94 ≥ 0.5/);
    expect(result.modelVersion).toBeUndefined();
    expect(await runStatusAttribute(handle)).toBe('rejected');
  });

  it('serve: false registers the model but never deploys it', async () => {
    const fakes = fakeActivities();
    const input = pipelineInput({ project: { serve: false } });
    const result = await withWorker(env, fakes.activities, async (taskQueue) => (await startPipeline(env, taskQueue, input)).result());

    expect(result.status).toBe('succeeded');
    expect(fakes.names()).toContain('registerModel');
    expect(fakes.names()).not.toContain('deployModel');
    expect(stepStatuses(result)).toMatchObject({ register: 'succeeded', serve: 'skipped' });
    expect(result.modelVersion).toBe(MODEL_VERSION);
    expect(result.endpoint).toBeUndefined();
    expect(fakes.inputsOf('finishRun')[0]?.status).toBe('succeeded');
  });

  it('a retryable stage failure is retried (after 1 s, then 2 s) until runStage says retry_count_limit is used up, then fails the run with its message and class', async () => {
    const message = 'train exited with code 1: ValueError: deliberate failure';
    const trainRanAt: number[] = [];
    const fakes = fakeActivities({
      async runStage(input: StageInput) {
        const attempt = Context.current().info.attempt;
        if (input.stage !== 'train') return stageResult(input, attempt);
        trainRanAt.push(await skipping.now());
        // runStage's contract: it counts failures against the limit the workflow hands it.
        const nonRetryable = attempt > input.retryCountLimit!;
        throw ApplicationFailure.create({ type: 'StageProcessFailed', message, nonRetryable, details: [{ logUri: 'file:///tmp/train.log' }] });
      },
    });
    const input = pipelineInput({ policy: { retry_count_limit: 2 } });
    const { failure, handle } = await withWorker(skipping, fakes.activities, async (taskQueue) => {
      const handle = await startPipeline(skipping, taskQueue, input);
      return { failure: await failureOf(handle), handle };
    });

    const train = fakes.calls.filter((c) => c.name === 'runStage' && (c.input as StageInput).stage === 'train');
    expect(train.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expectBackoff(trainRanAt, [1000, 2000]);
    expect(fakes.inputsOf('runStage').map((s) => s.stage)).not.toContain('evaluate');
    expect(fakes.names()).not.toContain('registerModel');

    expect(failure.cause).toBeInstanceOf(ApplicationFailure);
    expect((failure.cause as ApplicationFailure).type).toBe('PipelineFailed');
    expect(failure.cause?.message).toBe(message);

    expect(fakes.inputsOf('runStage').every((s) => s.retryCountLimit === 2)).toBe(true);
    const finished = fakes.inputsOf('finishRun');
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ status: 'failed', error: message, failureClass: 'user_code_error' });
    expect(stepStatuses(finished[0]!)).toEqual({
      prepare: 'succeeded',
      environment: 'succeeded',
      preprocess: 'succeeded',
      train: 'failed',
      evaluate: 'skipped',
      gate: 'skipped',
      register: 'skipped',
      promote: 'skipped',
      serve: 'skipped',
    });
    expect(finished[0]!.steps.find((s) => s.step === 'train')?.message).toBe(message);
    expect(await runStatusAttribute(handle)).toBe('failed');
  });

  it('lost workers do not use up retry_count_limit, but a stage that keeps losing them is bounded (retried after 1, 2 and 4 s)', async () => {
    const trainRanAt: number[] = [];
    const fakes = fakeActivities({
      async runStage(input: StageInput) {
        if (input.stage !== 'train') return stageResult(input, Context.current().info.attempt);
        trainRanAt.push(await skipping.now());
        throw ApplicationFailure.create({ type: 'WorkerLost', message: 'the worker running runStage died' });
      },
    });
    const input = pipelineInput({ policy: { retry_count_limit: 0 } });
    await withWorker(skipping, fakes.activities, async (taskQueue) => failureOf(await startPipeline(skipping, taskQueue, input)));

    const train = fakes.calls.filter((c) => c.name === 'runStage' && (c.input as StageInput).stage === 'train');
    // retry_count_limit + 1 attempts, plus the allowance for platform failures (3).
    expect(train.map((c) => c.attempt)).toEqual([1, 2, 3, 4]);
    expectBackoff(trainRanAt, [1000, 2000, 4000]);
    expect(fakes.inputsOf('finishRun')[0]).toMatchObject({ status: 'failed', failureClass: 'lost_worker' });
  });

  it('a StageInputError is not retried, whatever retry_count_limit says', async () => {
    const fakes = fakeActivities({
      async runStage(input: StageInput) {
        if (input.stage !== 'preprocess') return stageResult(input, Context.current().info.attempt);
        // Retryable as thrown: the workflow's nonRetryableErrorTypes must stop it.
        throw ApplicationFailure.create({ type: 'StageInputError', message: 'params.json: epochs must be positive' });
      },
    });
    const input = pipelineInput({ policy: { retry_count_limit: 2 } });
    const failure = await withWorker(env, fakes.activities, async (taskQueue) => failureOf(await startPipeline(env, taskQueue, input)));

    expect(fakes.inputsOf('runStage').map((s) => s.stage)).toEqual(['preprocess']);
    expect(failure.cause?.message).toBe('params.json: epochs must be positive');
    expect(fakes.inputsOf('finishRun')[0]).toMatchObject({ status: 'failed', error: 'params.json: epochs must be positive', failureClass: 'invalid_input' });
    expect(stepStatuses(fakes.inputsOf('finishRun')[0]!)).toMatchObject({ preprocess: 'failed', train: 'skipped' });
  });

  it('cancelling during a stage cancels the stage activity and records the run as cancelled', async () => {
    const trainStarted = deferred();
    const trainCancelled = deferred<boolean>();
    const fakes = fakeActivities({
      async runStage(input: StageInput) {
        const ctx = Context.current();
        if (input.stage !== 'train') return stageResult(input, ctx.info.attempt);
        trainStarted.resolve();
        ctx.heartbeat({ lines: 0 });
        const beat = setInterval(() => ctx.heartbeat({ lines: 0 }), 50);
        try {
          await ctx.cancelled;
          throw new Error('unreachable: ctx.cancelled only rejects');
        } catch (error) {
          trainCancelled.resolve(error instanceof CancelledFailure);
          throw error;
        } finally {
          clearInterval(beat);
        }
      },
    });
    const input = pipelineInput();
    const { failure, handle, running } = await withWorker(env, fakes.activities, async (taskQueue) => {
      const handle = await startPipeline(env, taskQueue, input);
      await trainStarted.promise;
      const running = await handle.query(progressQuery);
      await handle.cancel();
      return { failure: await failureOf(handle), handle, running };
    });

    expect(stepStatuses(running)).toMatchObject({ preprocess: 'succeeded', train: 'running', evaluate: 'pending' });
    // WAIT_CANCELLATION_COMPLETED: the activity saw the cancel before the workflow moved on.
    expect(await trainCancelled.promise).toBe(true);
    expect(failure.cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');

    const finished = fakes.inputsOf('finishRun');
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ status: 'cancelled', error: 'cancelled by request' });
    expect(stepStatuses(finished[0]!)).toEqual({
      prepare: 'succeeded',
      environment: 'succeeded',
      preprocess: 'succeeded',
      train: 'cancelled',
      evaluate: 'cancelled',
      gate: 'cancelled',
      register: 'cancelled',
      promote: 'cancelled',
      serve: 'cancelled',
    });
    expect(fakes.names()).not.toContain('registerModel');
    expect(await runStatusAttribute(handle)).toBe('cancelled');
  });
});
