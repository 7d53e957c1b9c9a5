import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { StageInput } from '../../../activities/stages.js';
import type { ChallengerSummary } from '../../../core/rollout/rollout-verdict.js';
import { progressQuery, promotionDecisionUpdate, stageStateSignal } from '../../../workflows/pipeline-signals.js';
import {
  blockUntil,
  DATASET_VERSION,
  deferred,
  fakeActivities,
  happyActivities,
  pipelineInput,
  SOURCE_DIGEST,
  STAGE_METRICS,
  stageResult,
  startPipeline,
  type InputOptions,
} from '../workflow-harness.js';
import { until, type Scenario } from './scenario.js';

/** Fixed ids: the recorder's server is throwaway, and fixed ids keep re-recorded files comparable. */
const FIXED_RUN = 'iris-20250101-000000-0000';
const run = (suffix: string, options: InputOptions = {}) => pipelineInput({ ...options, runId: `${FIXED_RUN}-${suffix}` });
const comparing = (mode: 'auto' | 'manual', suffix: string) =>
  run(suffix, { project: { promotion: { mode, compare_to_champion: { metric: 'accuracy', direction: 'max', min_delta: 0.005 } } } });

/** Fakes where champion v3 scores `accuracy` on the challenger's split. */
function championScoring(accuracy: number) {
  return fakeActivities({
    async planPromotion(input) {
      const params = { learning_rate: 0.1, batch_size: 8, epochs: 2, seed: 1, extras: {} };
      return {
        kind: 'compare',
        championVersion: 3,
        evaluation: {
          runId: input.runId,
          stage: 'evaluate',
          step: 'champion',
          entrypoint: input.evaluateEntrypoint,
          upstream: ['train'],
          sourceDigest: 'a'.repeat(64),
          datasetPrefix: input.datasetPrefix,
          environmentDigest: 'e'.repeat(64),
          params,
          timeoutSeconds: 60,
          cache: true,
          upstreamCacheKeys: { train: null },
        },
      };
    },
    async runStage(input) {
      const result = stageResult(input, 1);
      return input.step === 'champion' ? { ...result, metrics: { accuracy } } : result;
    },
  }).activities;
}

/** What prepareRun answers for stages it found in the cache (an earlier run's outputs). */
function cachedStages(...stages: StageInput['stage'][]) {
  const hit = (stage: StageInput['stage']) => ({
    ...stageResult({ stage } as StageInput, 1),
    durationMs: 0,
    processMs: 0,
    cacheKey: `${stage}-key`.padEnd(64, '0'),
    cachedFrom: `${FIXED_RUN}-earlier`,
  });
  return Object.fromEntries(stages.map((stage) => [stage, hit(stage)]));
}

/** Heartbeats until the activity is cancelled, then fails with the cancellation (as runStage does). */
export async function heartbeatUntilCancelled(): Promise<never> {
  const ctx = Context.current();
  ctx.heartbeat();
  const beat = setInterval(() => ctx.heartbeat(), 50);
  try {
    await ctx.cancelled;
    throw new Error('unreachable: ctx.cancelled only rejects');
  } finally {
    clearInterval(beat);
  }
}

function approvedBy(approve: boolean) {
  return async (handle: WorkflowHandle) => {
    await until('the run waits for approval', async () => (await handle.query(progressQuery)).promotion === 'awaiting_approval');
    await handle.executeUpdate(promotionDecisionUpdate, {
      args: [approve ? { approve: true, by: 'alice' } : { approve: false, by: 'bob', reason: 'not now' }],
    });
  };
}

/** v3 serves; the run's version replaces it through the project's 10 s canary, whose samples `sample` answers. */
function canaryBeside(sample: () => ChallengerSummary) {
  return fakeActivities({
    planPromotion: async () => ({ kind: 'replace', championVersion: 3 }),
    planRollout: async () => ({ servingVersion: 3, observeMs: 10_000 }),
    sampleRollout: async () => sample(),
  }).activities;
}
const canaryRun = (suffix: string) => run(suffix, { project: { rollout: { strategy: 'canary', percent: 20, duration: '10s' } } });
const withinBounds: ChallengerSummary = { requests: 200, errors: 0, errorRate: 0, p95Ms: 10, agreement: null, predictionPsi: 0.01 };

/** Every path a pipeline run can take (its trials are recorded by the experiment scenarios). */
export const pipelineScenarios: Scenario[] = [
  {
    name: 'pipeline-rollout-canary-promoted',
    setup: (env) => ({ activities: canaryBeside(() => withinBounds), start: (q) => startPipeline(env, q, canaryRun('canary-promoted')) }),
  },
  {
    name: 'pipeline-rollout-canary-rolled-back',
    setup: (env) => ({
      activities: canaryBeside(() => ({ ...withinBounds, errors: 40, errorRate: 0.2 })),
      start: (q) => startPipeline(env, q, canaryRun('canary-rolled-back')),
    }),
  },
  {
    name: 'pipeline-rollout-canary-overtaken',
    setup: (env) => ({
      activities: { ...canaryBeside(() => withinBounds), moveAliasWhileServing: async () => ({ moved: false as const, servingVersion: 8 }) },
      start: (q) => startPipeline(env, q, canaryRun('canary-overtaken')),
    }),
  },
  // A first champion; pipeline-champion-first.json recorded it before CHAMPION_WHILE_SERVING_PATCH.
  {
    name: 'pipeline-champion-while-serving',
    setup: (env) => ({ activities: fakeActivities().activities, start: (q) => startPipeline(env, q, run('while-serving')) }),
  },
  {
    name: 'pipeline-overtaken-while-serving',
    setup: (env) => ({
      activities: fakeActivities({ moveAliasWhileServing: async () => ({ moved: false, servingVersion: 8 }) }).activities,
      start: (q) => startPipeline(env, q, run('overtaken')),
    }),
  },
  {
    name: 'pipeline-challenger-loses',
    setup: (env) => ({ activities: championScoring(0.99), start: (q) => startPipeline(env, q, comparing('auto', 'auto')) }),
  },
  { name: 'pipeline-challenger-wins', setup: (env) => ({ activities: championScoring(0.5), start: (q) => startPipeline(env, q, comparing('auto', 'wins')) }) },
  {
    name: 'pipeline-already-champion',
    setup: (env) => ({
      activities: fakeActivities({ planPromotion: async () => ({ kind: 'already-champion', championVersion: 7 }) }).activities,
      start: (q) => startPipeline(env, q, run('cached')),
    }),
  },
  {
    name: 'pipeline-manual-approved',
    setup: (env) => ({ activities: championScoring(0.5), start: (q) => startPipeline(env, q, comparing('manual', 'manual')), drive: approvedBy(true) }),
  },
  {
    name: 'pipeline-manual-rejected',
    setup: (env) => ({ activities: championScoring(0.5), start: (q) => startPipeline(env, q, comparing('manual', 'rejected')), drive: approvedBy(false) }),
  },
  {
    name: 'pipeline-scheduled-start',
    setup: (env) => ({
      activities: fakeActivities().activities,
      start: (q) => {
        const spec = {
          name: 'nightly',
          project: 'iris',
          every: '1h',
          timezone: 'UTC',
          params: {},
          run_policy: {},
          overlap: 'skip',
          catchup_window: '5m',
          pause_on_failure: false,
        } as const;
        return env.client.workflow.start('pipelineWorkflow', {
          taskQueue: q,
          workflowId: 'sched-nightly-2025-01-01T00:00:00Z',
          args: [{ scheduled: { schedule: 'nightly', spec } }],
        });
      },
    }),
  },
  {
    name: 'pipeline-gate-rejected',
    setup: (env) => ({
      activities: fakeActivities().activities,
      start: (q) => startPipeline(env, q, run('gate', { project: { validation_gate: { thresholds: [{ metric: 'accuracy', threshold: 0.99 }] } } })),
    }),
  },
  {
    name: 'pipeline-cancelled',
    ends: 'CANCELLED',
    setup: (env) => {
      const trainStarted = deferred();
      const activities = fakeActivities({
        async runStage(input: StageInput) {
          if (input.stage !== 'train') return stageResult(input, 1);
          trainStarted.resolve();
          return heartbeatUntilCancelled();
        },
      }).activities;
      return {
        activities,
        start: (q) => startPipeline(env, q, run('cancel')),
        drive: async (handle) => {
          await trainStarted.promise;
          await handle.cancel();
        },
      };
    },
  },
  {
    name: 'pipeline-failed-after-retries',
    ends: 'FAILED',
    setup: (env) => ({
      activities: fakeActivities({
        async runStage(input: StageInput) {
          const attempt = Context.current().info.attempt;
          if (input.stage !== 'train') return stageResult(input, attempt);
          // runStage's contract: the attempt past retry_count_limit fails for good.
          throw ApplicationFailure.create({
            type: 'StageProcessFailed',
            message: 'train exited with code 1',
            nonRetryable: attempt > input.retryCountLimit!,
            details: [{ logUri: 'file:///tmp/train.log' }],
          });
        },
      }).activities,
      start: (q) => startPipeline(env, q, run('retries', { policy: { retry_count_limit: 1 } })),
    }),
  },
  {
    name: 'pipeline-resumed',
    setup: (env) => {
      const original = `${FIXED_RUN}-failed`;
      const input = {
        ...run('resumed'),
        resume: {
          fromRunId: original,
          sourceDigest: SOURCE_DIGEST,
          datasetVersion: DATASET_VERSION,
          stages: {
            preprocess: { runId: original, metrics: STAGE_METRICS.preprocess },
            train: { runId: original, metrics: STAGE_METRICS.train, cacheKey: 'k'.repeat(64) },
          },
        },
      };
      return { activities: fakeActivities().activities, start: (q) => startPipeline(env, q, input) };
    },
  },
  {
    name: 'pipeline-stages-cached',
    setup: (env) => ({
      activities: fakeActivities({
        async runStage(input: StageInput) {
          const result = { ...stageResult(input, 1), cacheKey: `${input.stage}-key`.padEnd(64, '0') };
          return input.stage === 'evaluate' ? result : { ...result, cachedFrom: `${FIXED_RUN}-earlier` };
        },
      }).activities,
      start: (q) => startPipeline(env, q, run('stagecache')),
    }),
  },
  // Started after CACHE_HITS_IN_PREPARE_PATCH: prepareRun answers the leading cached stages, planPromotion is local.
  {
    name: 'pipeline-cached-in-prepare',
    setup: (env) => ({
      activities: fakeActivities({
        prepareRun: async (input) => ({ ...(await happyActivities().prepareRun(input)), cached: cachedStages('preprocess', 'train', 'evaluate') }),
        planPromotion: async () => ({ kind: 'already-champion', championVersion: 7 }),
      }).activities,
      start: (q) => startPipeline(env, q, run('prepcache', { project: { serve: false } })),
    }),
  },
  {
    name: 'pipeline-quick-prepare-cached',
    setup: (env) => ({
      activities: fakeActivities({
        prepareRun: async (input) => ({ ...(await happyActivities().prepareRun(input)), cached: cachedStages('preprocess', 'train', 'evaluate') }),
      }).activities,
      start: (q) => startPipeline(env, q, run('quick-cached', { project: { serve: false } })),
    }),
  },
  {
    name: 'pipeline-quick-prepare-deferred',
    setup: (env) => ({
      activities: fakeActivities({ prepareRunQuickly: async () => ({ deferred: 'dataset /data/iris.csv is 900 MiB' }) }).activities,
      start: (q) => startPipeline(env, q, run('quick-deferred')),
    }),
  },
  {
    name: 'pipeline-partly-cached-in-prepare',
    setup: (env) => ({
      activities: fakeActivities({
        prepareRun: async (input) => ({ ...(await happyActivities().prepareRun(input)), cached: cachedStages('preprocess', 'train') }),
      }).activities,
      start: (q) => startPipeline(env, q, run('prepcache-partly')),
    }),
  },
  {
    name: 'pipeline-waiting-for-environment',
    setup: (env) => ({
      activities: fakeActivities({
        async prepareRun(input) {
          return { ...(await happyActivities().prepareRun(input)), environmentReady: false };
        },
        awaitEnvironmentBuild: async () => ({ waitedMs: 1234 }),
      }).activities,
      start: (q) => startPipeline(env, q, run('envwait')),
    }),
  },
  {
    name: 'pipeline-waiting-for-gpu',
    setup: (env) => {
      const input = run('gpu');
      input.environment = { ...input.environment, spec: { ...input.environment.spec, use_gpu: true, max_used_gpu: 1 } };
      const placed = deferred();
      const activities = fakeActivities({
        async runStage(stage: StageInput) {
          if (stage.stage !== 'train') return stageResult(stage, 1);
          // What runStage reports while its pod waits for a GPU, then once it is placed.
          const run = env.client.workflow.getHandle(stage.runId);
          await run.signal(stageStateSignal, { stage: 'train', status: 'waiting', message: 'waiting for GPU: 0 of 1 nvidia.com/gpu free' });
          await blockUntil(placed.promise);
          await run.signal(stageStateSignal, { stage: 'train', status: 'running' });
          return stageResult(stage, 1);
        },
      }).activities;
      return {
        activities,
        // The recorder's one worker serves the GPU queue too.
        start: (q) => startPipeline(env, q, { ...input, gpuTaskQueue: q }),
        drive: async (handle) => {
          await until(
            'train reported waiting for a GPU',
            async () => (await handle.query(progressQuery)).steps.find((s) => s.step === 'train')?.status === 'waiting',
          );
          placed.resolve();
        },
      };
    },
  },
];
