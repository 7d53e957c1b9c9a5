import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { KilnActivities } from '../activities/index.js';
import type { StageInput, StageResult } from '../activities/stages.js';
import { NON_RETRIED_FAILURE_TYPES } from '../core/pipeline/failure-class.js';
import { checkGate } from '../core/pipeline/gate-check.js';
import { stageResources } from '../core/pipeline/stage-resources.js';
import { describeProgress, type PipelineStep, type RunProgress, type RunStatus } from '../core/pipeline/run-progress.js';
import { KilnRunStatus } from '../core/temporal/search-attributes.js';
import type { CacheableStage, PipelineInput } from './pipeline-input.js';
import { stageStateSignal } from './pipeline-signals.js';
import { begin, failureClassOf, finish, initialProgress, messageOf, summarizeMetrics } from './pipeline-progress.js';

export const progressQuery = defineQuery<RunProgress>('progress');


const NON_RETRYABLE = [...NON_RETRIED_FAILURE_TYPES];
/**
 * Attempts beyond retry_count_limit + 1 that a stage may take for failures of the platform (a
 * worker lost or shut down), which runStage does not count against the limit.
 */
const PLATFORM_RETRY_ALLOWANCE = 3;

const bookkeeping = proxyActivities<KilnActivities>({
  startToCloseTimeout: '5 minutes',
  // prepareRun and deployModel heartbeat: a dead worker's attempt is retried within 30 s.
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE },
});

/** Fast metadata writes run as local activities: no task-queue round trip per call. */
const records = proxyLocalActivities<KilnActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE },
});

const environmentWait = proxyActivities<KilnActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  summary: 'waiting for the shared environment build',
});

/** dataset version → preprocess → train → evaluate → gate → register → serve, durably. */
export async function pipelineWorkflow(input: PipelineInput): Promise<RunProgress> {
  const { project, policy } = input;
  const progress = initialProgress(input);
  setHandler(progressQuery, () => progress);
  const stageActivities = proxyActivities<KilnActivities>(stageOptions(policy));
  const step = (name: PipelineStep) => progress.steps.find((s) => s.step === name)!;
  const publish = (status?: RunStatus) => {
    if (status) {
      progress.status = status;
      upsertSearchAttributes([{ key: KilnRunStatus, value: status }]);
    }
    setCurrentDetails(describeProgress(progress));
  };
  setHandler(stageStateSignal, ({ stage, status, message }) => {
    const target = progress.steps.find((s) => s.step === stage);
    // A late signal must not reopen a stage that already ended.
    if (target?.status !== 'running' && target?.status !== 'waiting') return;
    target.status = status;
    target.message = message;
    publish();
  });

  try {
    publish('running');
    begin(step('prepare'));
    const prepared = await bookkeeping.prepareRun.executeWithOptions(
      { startToCloseTimeout: '10 minutes', summary: `snapshot ${project.source_dir}, version dataset ${input.dataset.name}` },
      [
        {
          runId: input.runId,
          workflowId: workflowInfo().workflowId,
          project: project.name,
          modelName: progress.modelName,
          params: input.params,
          policy,
          sourceDir: project.source_dir,
          dataset: input.dataset,
          environmentDigest: input.environment.digest,
          ...(input.resume ? { resumedFrom: input.resume.fromRunId, pinned: { sourceDigest: input.resume.sourceDigest, datasetVersion: input.resume.datasetVersion } } : {}),
        },
      ],
    );
    const { source, dataset } = prepared;
    progress.sourceDigest = source.digest;
    progress.datasetVersion = dataset.versionId;
    finish(step('prepare'), 'succeeded', `source ${source.digest.slice(0, 12)}, dataset ${dataset.versionId} (${dataset.trainRows} train / ${dataset.testRows} test)`);

    const env = step('environment');
    if (prepared.environmentReady) {
      progress.buildWaitMs = 0;
      finish(env, 'succeeded', `environment ${input.environment.name} already built`, 0);
    } else {
      begin(env, 'waiting', `waiting for environment build ${input.environment.name}`);
      publish();
      const waited = await environmentWait.awaitEnvironmentBuild(input.environment);
      progress.buildWaitMs = waited.waitedMs;
      finish(env, 'succeeded', `built ${input.environment.name}`, waited.waitedMs);
    }
    publish();

    const resources = stageResources(input.environment.spec);
    // GPU stages wait for a GPU slot on their own queue instead of flooding the cluster with pods.
    const stageQueue = resources.gpus > 0 && input.gpuTaskQueue ? { taskQueue: input.gpuTaskQueue } : {};
    /** Which run holds each finished stage's outputs, and its cache key: downstream stages read both. */
    const outputsOf: Partial<Record<CacheableStage, string>> = {};
    const cacheKeys: Partial<Record<CacheableStage, string>> = {};
    const stageInput = (stage: StageInput['stage'], entrypoint: string, upstream: StageInput['upstream']): StageInput => {
      const elsewhere = upstream.filter((u) => outputsOf[u] !== undefined && outputsOf[u] !== input.runId);
      return {
        runId: input.runId,
        stage,
        entrypoint,
        upstream,
        sourceDigest: source.digest,
        datasetPrefix: dataset.prefix,
        environmentDigest: input.environment.digest,
        params: input.params,
        timeoutSeconds: policy.timeout_seconds,
        autoResume: policy.auto_resume,
        retryCountLimit: policy.retry_count_limit,
        project: project.name,
        resources,
        ...(elsewhere.length ? { upstreamRunIds: Object.fromEntries(elsewhere.map((u) => [u, outputsOf[u]!])) } : {}),
        cache: input.cache ?? true,
        upstreamCacheKeys: Object.fromEntries(upstream.map((u) => [u, cacheKeys[u] ?? null])),
      };
    };
    const runStage = async (stage: StageInput['stage'], entrypoint: string, upstream: StageInput['upstream']): Promise<{ metrics: Record<string, number> }> => {
      // A resumed run takes over the original's completed stages without scheduling anything.
      const reused = input.resume?.stages[stage];
      if (reused) {
        outputsOf[stage] = reused.runId;
        if (reused.cacheKey) cacheKeys[stage] = reused.cacheKey;
        step(stage).reusedFrom = reused.runId;
        finish(step(stage), 'cached', `reused from ${input.resume!.fromRunId}`, 0);
        publish();
        return { metrics: reused.metrics };
      }
      begin(step(stage));
      publish();
      const result: StageResult = await stageActivities.runStage.executeWithOptions(
        { ...stageOptions(policy), ...stageQueue, summary: `${stage}: ${entrypoint}` },
        [stageInput(stage, entrypoint, upstream)],
      );
      outputsOf[stage] = result.cachedFrom ?? input.runId;
      if (result.cacheKey) cacheKeys[stage] = result.cacheKey;
      Object.assign(step(stage), { attempt: result.attempt, startedAt: result.startedAt, processMs: result.processMs });
      if (result.cachedFrom) {
        step(stage).reusedFrom = result.cachedFrom;
        finish(step(stage), 'cached', `cached from ${result.cachedFrom}`, result.durationMs);
      } else finish(step(stage), 'succeeded', summarizeMetrics(result.metrics), result.durationMs);
      publish();
      return result;
    };

    const { entrypoints } = project;
    if (entrypoints.preprocess) await runStage('preprocess', entrypoints.preprocess, []);
    else finish(step('preprocess'), 'skipped', 'no preprocess entrypoint');
    await runStage('train', entrypoints.train, entrypoints.preprocess ? ['preprocess'] : []);
    const evaluation = await runStage('evaluate', entrypoints.evaluate, entrypoints.preprocess ? ['preprocess', 'train'] : ['train']);
    progress.metrics = evaluation.metrics;

    if (input.trial) {
      for (const later of ['gate', 'register', 'serve'] as const) finish(step(later), 'skipped', `trial ${input.trial.index} of experiment ${input.trial.experimentId}`);
      return await CancellationScope.nonCancellable(() => close('succeeded'));
    }
    const verdict = checkGate(project.validation_gate, evaluation.metrics);
    const details = verdict.checks.map((c) => c.detail).join(', ') || 'no thresholds';
    if (!verdict.passed) {
      finish(step('gate'), 'failed', `rejected: ${details}`);
      for (const later of ['register', 'serve'] as const) finish(step(later), 'skipped', 'validation gate rejected the model');
      progress.error = `validation gate rejected the model: ${details}`;
      progress.failureClass = 'gate_failed';
      return await close('rejected');
    }
    finish(step('gate'), 'succeeded', `passed: ${details}`);

    begin(step('register'));
    const registered = await records.registerModel.executeWithOptions(
      { startToCloseTimeout: '1 minute', summary: `register ${progress.modelName}` },
      [{ runId: input.runId, ...(outputsOf.train !== input.runId ? { trainRunId: outputsOf.train } : {}), modelName: progress.modelName, datasetVersion: dataset.versionId, environmentDigest: input.environment.digest, sourceDigest: source.digest, params: input.params, metrics: evaluation.metrics }],
    );
    progress.modelVersion = registered.version;
    finish(step('register'), 'succeeded', `${progress.modelName} v${registered.version}`);

    if (project.serve) {
      begin(step('serve'));
      publish();
      const deployed = await bookkeeping.deployModel.executeWithOptions(
        { startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 3 }, summary: `serve ${progress.modelName} v${registered.version}` },
        [{ modelName: progress.modelName, version: registered.version }],
      );
      progress.endpoint = deployed.url;
      finish(step('serve'), 'succeeded', `serving at ${deployed.url}`);
    } else finish(step('serve'), 'skipped', 'serving disabled for this project');
    // The run is done: a cancel arriving now must not relabel it.
    return await CancellationScope.nonCancellable(() => close('succeeded'));
  } catch (error) {
    const cancelled = isCancellation(error);
    for (const s of progress.steps) {
      if (s.status === 'running' || s.status === 'waiting') finish(s, cancelled ? 'cancelled' : 'failed', messageOf(error));
      else if (s.status === 'pending') s.status = cancelled ? 'cancelled' : 'skipped';
    }
    progress.error = cancelled ? 'cancelled by request' : messageOf(error);
    if (!cancelled) progress.failureClass = failureClassOf(error);
    await CancellationScope.nonCancellable(() => close(cancelled ? 'cancelled' : 'failed'));
    if (cancelled) throw error;
    throw ApplicationFailure.create({ type: 'PipelineFailed', message: progress.error, nonRetryable: true, cause: error instanceof Error ? error : undefined });
  }

  async function close(status: RunStatus): Promise<RunProgress> {
    publish(status);
    await records.finishRun(progress);
    return progress;
  }
}

function stageOptions(policy: PipelineInput['policy']) {
  return {
    startToCloseTimeout: `${policy.timeout_seconds + 120} seconds`,
    heartbeatTimeout: '30 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    // runStage ends a stage's retries itself once retry_count_limit is used up; this bound only caps platform failures.
    retry: { maximumAttempts: policy.retry_count_limit + 1 + PLATFORM_RETRY_ALLOWANCE, initialInterval: '1 second', nonRetryableErrorTypes: NON_RETRYABLE },
  } as const;
}
