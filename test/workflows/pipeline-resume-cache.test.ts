/**
 * Pipeline workflow logic on the real Temporal dev server, with test-double activities:
 * resuming a failed run from its completed stages, and stage caching.
 */
import { Context } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import type { StageInput } from '../../activities/stages.js';
import type { RunProgress } from '../../core/pipeline/run-progress.js';
import {
  DATASET_VERSION,
  fakeActivities,
  happyActivities,
  installQuietRuntime,
  pipelineInput,
  SOURCE_DIGEST,
  STAGE_METRICS,
  stageResult,
  startPipeline,
  withWorker,
  useTemporalEnv,
} from './workflow-harness.js';

installQuietRuntime();

const env = useTemporalEnv();

const stepStatuses = (progress: RunProgress) => Object.fromEntries(progress.steps.map((s) => [s.step, s.status]));

describe('pipelineWorkflow resuming a failed run', () => {
  it('takes over the reused stages without running them, reads their outputs from the original run, runs the rest', async () => {
    const fakes = fakeActivities();
    const original = 'iris-20250101-000000-beef';
    const input = {
      ...pipelineInput(),
      resume: {
        fromRunId: original,
        sourceDigest: SOURCE_DIGEST,
        datasetVersion: DATASET_VERSION,
        stages: {
          preprocess: { runId: original, metrics: STAGE_METRICS.preprocess },
          train: { runId: 'iris-older', metrics: STAGE_METRICS.train, cacheKey: 'k'.repeat(64) },
        },
      },
    };
    const result = await withWorker(env, fakes.activities, async (taskQueue) => (await startPipeline(env, taskQueue, input)).result());

    expect(fakes.inputsOf('runStage').map((s) => s.stage)).toEqual(['evaluate']);
    expect(fakes.inputsOf('runStage')[0]).toMatchObject({
      runId: input.runId,
      upstreamRunIds: { preprocess: original, train: 'iris-older' },
      upstreamCacheKeys: { preprocess: null, train: 'k'.repeat(64) },
    });
    expect(fakes.inputsOf('prepareRunQuickly')[0]).toMatchObject({
      resumedFrom: original,
      pinned: { sourceDigest: SOURCE_DIGEST, datasetVersion: DATASET_VERSION },
    });
    // The model files are the reused train stage's outputs.
    expect(fakes.inputsOf('registerModel')[0]).toMatchObject({ runId: input.runId, trainRunId: 'iris-older' });

    expect(result.status).toBe('succeeded');
    expect(result.resumedFrom).toBe(original);
    expect(stepStatuses(result)).toMatchObject({ preprocess: 'cached', train: 'cached', evaluate: 'succeeded', gate: 'succeeded', register: 'succeeded' });
    expect(result.steps.find((s) => s.step === 'train')).toMatchObject({ message: `reused from ${original}`, reusedFrom: 'iris-older', durationMs: 0 });
    expect(fakes.inputsOf('finishRun')).toEqual([result]);
  });

  it('reuses every completed stage of a rejected run and applies the gate to the reused metrics', async () => {
    const fakes = fakeActivities();
    const original = 'iris-20250101-000000-cafe';
    const stages = {
      preprocess: { runId: original, metrics: {} },
      train: { runId: original, metrics: {} },
      evaluate: { runId: original, metrics: { accuracy: 0.5, f1: 0.5 } },
    };
    const input = { ...pipelineInput(), resume: { fromRunId: original, stages } };
    const result = await withWorker(env, fakes.activities, async (taskQueue) => (await startPipeline(env, taskQueue, input)).result());

    expect(fakes.names()).not.toContain('runStage');
    expect(result.status).toBe('rejected');
    expect(result.metrics).toEqual({ accuracy: 0.5, f1: 0.5 });
    expect(stepStatuses(result)).toMatchObject({ preprocess: 'cached', train: 'cached', evaluate: 'cached', gate: 'failed' });
  });
});

describe('pipelineWorkflow with stage caching', () => {
  it('marks a stage the activity answered from the cache as cached and chains its outputs and key downstream', async () => {
    const fakes = fakeActivities({
      async runStage(input: StageInput) {
        const base = { ...stageResult(input, Context.current().info.attempt), cacheKey: `${input.stage}-key`.padEnd(64, '0') };
        return input.stage === 'evaluate' ? base : { ...base, cachedFrom: 'iris-earlier' };
      },
    });
    const input = pipelineInput();
    const result = await withWorker(env, fakes.activities, async (taskQueue) => (await startPipeline(env, taskQueue, input)).result());

    const stages = fakes.inputsOf('runStage');
    expect(stages.map((s) => s.cache)).toEqual([true, true, true]);
    expect(stages[1]).toMatchObject({
      stage: 'train',
      upstreamRunIds: { preprocess: 'iris-earlier' },
      upstreamCacheKeys: { preprocess: 'preprocess-key'.padEnd(64, '0') },
    });
    expect(stages[2]).toMatchObject({ stage: 'evaluate', upstreamRunIds: { preprocess: 'iris-earlier', train: 'iris-earlier' } });
    expect(stepStatuses(result)).toMatchObject({ preprocess: 'cached', train: 'cached', evaluate: 'succeeded' });
    expect(result.steps.find((s) => s.step === 'train')).toMatchObject({ message: 'cached from iris-earlier', reusedFrom: 'iris-earlier' });
    expect(fakes.inputsOf('registerModel')[0]).toMatchObject({ trainRunId: 'iris-earlier' });
  });

  it('passes cache: false through to every stage, and asks prepareRun for no cache hits', async () => {
    const fakes = fakeActivities();
    await withWorker(env, fakes.activities, async (taskQueue) => (await startPipeline(env, taskQueue, { ...pipelineInput(), cache: false })).result());
    expect(fakes.inputsOf('runStage').map((s) => s.cache)).toEqual([false, false, false]);
    expect(fakes.inputsOf('prepareRunQuickly')[0]!.cachePlan).toBeUndefined();
  });

  it('takes the leading stages prepareRun found in the cache without scheduling them, and runs the rest with their outputs and keys', async () => {
    const cached = (stage: StageInput['stage']) => ({
      ...stageResult({ stage } as StageInput, 1),
      durationMs: 0,
      cacheKey: `${stage}-key`.padEnd(64, '0'),
      cachedFrom: 'iris-earlier',
    });
    const fakes = fakeActivities({
      async prepareRun(input) {
        return { ...(await happyActivities().prepareRun(input)), cached: { preprocess: cached('preprocess'), train: cached('train') } };
      },
    });
    const input = pipelineInput();
    const result = await withWorker(env, fakes.activities, async (taskQueue) => (await startPipeline(env, taskQueue, input)).result());

    expect(fakes.inputsOf('prepareRunQuickly')[0]!.cachePlan).toEqual([
      { stage: 'preprocess', entrypoint: input.project.entrypoints.preprocess, upstream: [] },
      { stage: 'train', entrypoint: input.project.entrypoints.train, upstream: ['preprocess'] },
      { stage: 'evaluate', entrypoint: input.project.entrypoints.evaluate, upstream: ['preprocess', 'train'] },
    ]);
    expect(fakes.inputsOf('runStage')).toHaveLength(1);
    expect(fakes.inputsOf('runStage')[0]).toMatchObject({
      stage: 'evaluate',
      upstreamRunIds: { preprocess: 'iris-earlier', train: 'iris-earlier' },
      upstreamCacheKeys: { preprocess: 'preprocess-key'.padEnd(64, '0'), train: 'train-key'.padEnd(64, '0') },
    });
    expect(stepStatuses(result)).toMatchObject({ preprocess: 'cached', train: 'cached', evaluate: 'succeeded', register: 'succeeded' });
    expect(result.steps.find((s) => s.step === 'train')).toMatchObject({ message: 'cached from iris-earlier', reusedFrom: 'iris-earlier', durationMs: 0 });
    expect(fakes.inputsOf('registerModel')[0]).toMatchObject({ trainRunId: 'iris-earlier' });
  });

  it('a fully cached run (serving off) schedules no activity and ends in its first workflow task (prepareRun as a local activity)', async () => {
    const fakes = fakeActivities({
      async prepareRun(input) {
        const hit = (stage: StageInput['stage']) => ({
          ...stageResult({ stage } as StageInput, 1),
          cacheKey: `${stage}-key`.padEnd(64, '0'),
          cachedFrom: 'iris-earlier',
        });
        return { ...(await happyActivities().prepareRun(input)), cached: { preprocess: hit('preprocess'), train: hit('train'), evaluate: hit('evaluate') } };
      },
    });
    const handle = await withWorker(env, fakes.activities, async (taskQueue) => {
      const started = await startPipeline(env, taskQueue, pipelineInput({ project: { serve: false } }));
      await started.result();
      return started;
    });
    const result = await handle.result();
    expect(fakes.names()).not.toContain('runStage');
    expect(result.status).toBe('succeeded');
    expect(result.metrics).toEqual(STAGE_METRICS.evaluate);
    expect(stepStatuses(result)).toMatchObject({ preprocess: 'cached', train: 'cached', evaluate: 'cached', promote: 'succeeded' });
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType?.name);
    expect(scheduled).toEqual([]);
    expect(fakes.names().filter((name) => name.startsWith('prepareRun'))).toEqual(['prepareRunQuickly']);
    expect(events.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(1);
  });

  it('a resumed run asks prepareRun for no cache hits: its completed stages come from the original', async () => {
    const fakes = fakeActivities();
    const input = { ...pipelineInput(), resume: { fromRunId: 'iris-20250101-000000-beef', stages: {} } };
    await withWorker(env, fakes.activities, async (taskQueue) => (await startPipeline(env, taskQueue, input)).result());
    expect(fakes.inputsOf('prepareRunQuickly')[0]!.cachePlan).toBeUndefined();
  });
});
