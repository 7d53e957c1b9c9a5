import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { StageInput, StageResult } from '../activities/stages.js';
import { nonRetriedTypes } from '../core/pipeline/failure-class.js';
import { checkGate } from '../core/pipeline/gate-check.js';
import { stageResources } from '../core/pipeline/stage-resources.js';
import { stageWarmImports } from '../core/pipeline/warm-imports.js';
import { describeProgress, PIPELINE_STEPS, type PipelineStep, type RunProgress, type RunStatus } from '../core/pipeline/run-progress.js';
import { KilnModel, KilnRunStatus } from '../core/temporal/search-attributes.js';
import type { PlannedStage } from '../activities/stage-cache.js';
import type { CacheableStage, PipelineInput, PipelineStart, ScheduledPipelineStart } from './pipeline-input.js';
import { acceptApprovals, promoteAndServe } from './pipeline-promotion.js';
import { prepareRun } from './pipeline-prepare.js';
import { bookkeeping, environmentWait, records, stageActivities as stageProxies, stageOptions } from './pipeline-proxies.js';
import { progressQuery, stageStateSignal } from './pipeline-signals.js';
import { begin, failureClassOf, finish, initialProgress, messageOf, summarizeMetrics } from './pipeline-progress.js';

export { progressQuery };

/** Versions registered from here on face the champion before they serve (core/specs/promotion.ts). */
export const CHAMPION_CHALLENGER_PATCH = 'kiln-champion-challenger';

/**
 * Runs started from here on take their leading cache hits from prepareRun (no runStage for a
 * cached stage) and plan promotion in a local activity: a fully cached run (serving off) is one
 * activity and two workflow tasks instead of five and six.
 */
export const CACHE_HITS_IN_PREPARE_PATCH = 'kiln-cache-hits-in-prepare';

/**
 * Runs started from here on move `champion` only while their version is the one serving: of two
 * promotions of one model at once, the one overtaken becomes challenger instead of champion.
 */
export const CHAMPION_WHILE_SERVING_PATCH = 'kiln-champion-while-serving';

/**
 * Runs started from here on try prepareRun as a local activity first when their dataset is
 * small (workflows/pipeline-prepare.ts): a fully cached run is then one workflow task.
 */
export const QUICK_PREPARE_PATCH = 'kiln-quick-prepare';

/** What a run decided once, at its start, from the patches its history holds. */
interface RunBehaviour {
  prepareQuickly: boolean;
  promotes: boolean;
  cacheHitsInPrepare: boolean;
  championWhileServing: boolean;
}

/**
 * A pipeline run, or a Temporal Schedule's start of one: the schedule's request is resolved
 * against the registered project first (so each run uses the project as it is when it fires).
 */
export async function pipelineWorkflow(start: PipelineStart): Promise<RunProgress> {
  // Decided once, before any command: a run keeps the behaviour it started with, and the
  // marker never follows a local activity in its workflow task.
  const prepareQuickly = patched(QUICK_PREPARE_PATCH);
  const championWhileServing = prepareQuickly || patched(CHAMPION_WHILE_SERVING_PATCH);
  // Runs started since a later patch have the earlier ones' behaviour too: asking would only add markers.
  const cacheHitsInPrepare = championWhileServing || patched(CACHE_HITS_IN_PREPARE_PATCH);
  const promotes = cacheHitsInPrepare || patched(CHAMPION_CHALLENGER_PATCH);
  const behaviour: RunBehaviour = { prepareQuickly, promotes, cacheHitsInPrepare, championWhileServing };
  if ('scheduled' in start) return runPipeline(await resolveScheduled(start), behaviour);
  return runPipeline(start, behaviour);
}

async function resolveScheduled({ scheduled }: ScheduledPipelineStart): Promise<PipelineInput> {
  const { spec } = scheduled;
  const runId = workflowInfo().workflowId;
  // Answer progress queries while resolving, as a run that has not started yet.
  setHandler(progressQuery, () => ({
    runId,
    project: spec.project,
    modelName: spec.project,
    status: 'queued',
    steps: PIPELINE_STEPS.map((step) => ({ step, status: 'pending' })),
    params: {},
    metrics: {},
    trigger: 'schedule',
    schedule: scheduled.schedule,
  }));
  try {
    const resolved = await records.resolveRun.executeWithOptions(
      { startToCloseTimeout: '1 minute', retry: { maximumAttempts: 5, nonRetryableErrorTypes: nonRetriedTypes('SpecValidationError', 'NotFoundError') } },
      [{ project: spec.project, params: spec.params, run_policy: spec.run_policy, cache: true }],
    );
    upsertSearchAttributes([{ key: KilnModel, value: resolved.project.model_name ?? resolved.project.name }]);
    return { ...resolved, runId, trigger: { kind: 'schedule', schedule: scheduled.schedule } };
  } catch (error) {
    upsertSearchAttributes([{ key: KilnRunStatus, value: 'failed' }]);
    throw ApplicationFailure.create({
      type: 'ScheduledRunUnresolved',
      nonRetryable: true,
      message: `schedule ${scheduled.schedule}: cannot start a run of ${spec.project}: ${messageOf(error)}`,
      cause: error instanceof Error ? error : undefined,
    });
  }
}

/** dataset version → preprocess → train → evaluate → gate → register → serve, durably. */
async function runPipeline(input: PipelineInput, { prepareQuickly, promotes, cacheHitsInPrepare, championWhileServing }: RunBehaviour): Promise<RunProgress> {
  const { project, policy } = input;
  const { entrypoints } = project;
  /** The stages this run starts, in order, with the upstream stages each reads. */
  const plannedStages: PlannedStage[] = [
    ...(entrypoints.preprocess ? [{ stage: 'preprocess' as const, entrypoint: entrypoints.preprocess, upstream: [] }] : []),
    { stage: 'train', entrypoint: entrypoints.train, upstream: entrypoints.preprocess ? ['preprocess'] : [] },
    { stage: 'evaluate', entrypoint: entrypoints.evaluate, upstream: entrypoints.preprocess ? ['preprocess', 'train'] : ['train'] },
  ];
  // A resumed run takes its completed stages from the original instead.
  const cachePlan = cacheHitsInPrepare && (input.cache ?? true) && !input.resume ? plannedStages : undefined;
  const progress = initialProgress(input);
  setHandler(progressQuery, () => progress);
  const stageActivities = stageProxies(policy);
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
  const approvals = acceptApprovals(progress);

  try {
    publish('running');
    begin(step('prepare'));
    const prepared = await prepareRun(
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
        ...(input.resume ? { resumedFrom: input.resume.fromRunId } : {}),
        ...(input.trigger ? { trigger: input.trigger } : {}),
        ...pinnedInputs(input),
        ...(cachePlan ? { cachePlan } : {}),
      },
      `snapshot ${project.source_dir}, version dataset ${input.dataset.name}`,
      prepareQuickly,
    );
    const { source, dataset } = prepared;
    progress.sourceDigest = source.digest;
    progress.datasetVersion = dataset.versionId;
    finish(
      step('prepare'),
      'succeeded',
      `source ${source.digest.slice(0, 12)}, dataset ${dataset.versionId} (${dataset.trainRows} train / ${dataset.testRows} test)`,
    );

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
    const warmImports = stageWarmImports(project, input.environment.spec);
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
        ...(warmImports ? { warmImports } : {}),
        ...(elsewhere.length ? { upstreamRunIds: Object.fromEntries(elsewhere.map((u) => [u, outputsOf[u]!])) } : {}),
        cache: input.cache ?? true,
        upstreamCacheKeys: Object.fromEntries(upstream.map((u) => [u, cacheKeys[u] ?? null])),
        ...(input.trial?.reportCurve
          ? { reportCurve: { experimentId: input.trial.experimentId, trialIndex: input.trial.index, metric: input.trial.reportCurve.metric } }
          : {}),
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
      // Found in the stage cache by prepareRun, which recorded it: nothing to schedule.
      const planned = prepared.cached?.[stage];
      if (planned) return recordResult(stage, planned);
      begin(step(stage));
      publish();
      const result: StageResult = await stageActivities.runStage.executeWithOptions(
        { ...stageOptions(policy), ...stageQueue, summary: `${stage}: ${entrypoint}` },
        [stageInput(stage, entrypoint, upstream)],
      );
      return recordResult(stage, result);
    };
    const recordResult = (stage: StageInput['stage'], result: StageResult): StageResult => {
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

    if (!entrypoints.preprocess) finish(step('preprocess'), 'skipped', 'no preprocess entrypoint');
    let evaluation: { metrics: Record<string, number> } = { metrics: {} };
    for (const { stage, entrypoint, upstream } of plannedStages) evaluation = await runStage(stage, entrypoint, upstream);
    progress.metrics = evaluation.metrics;

    if (input.trial) {
      for (const later of ['gate', 'register', 'promote', 'serve'] as const)
        finish(step(later), 'skipped', `trial ${input.trial.index} of experiment ${input.trial.experimentId}`);
      return await CancellationScope.nonCancellable(() => close('succeeded'));
    }
    const verdict = checkGate(project.validation_gate, evaluation.metrics);
    const details = verdict.checks.map((c) => c.detail).join(', ') || 'no thresholds';
    if (!verdict.passed) {
      finish(step('gate'), 'failed', `rejected: ${details}`);
      for (const later of ['register', 'promote', 'serve'] as const) finish(step(later), 'skipped', 'validation gate rejected the model');
      progress.error = `validation gate rejected the model: ${details}`;
      progress.failureClass = 'gate_failed';
      return await close('rejected');
    }
    finish(step('gate'), 'succeeded', `passed: ${details}`);

    begin(step('register'));
    const registered = await records.registerModel.executeWithOptions({ startToCloseTimeout: '1 minute', summary: `register ${progress.modelName}` }, [
      {
        runId: input.runId,
        ...(outputsOf.train !== input.runId ? { trainRunId: outputsOf.train } : {}),
        modelName: progress.modelName,
        datasetVersion: dataset.versionId,
        environmentDigest: input.environment.digest,
        sourceDigest: source.digest,
        params: input.params,
        metrics: evaluation.metrics,
      },
    ]);
    progress.modelVersion = registered.version;
    finish(
      step('register'),
      'succeeded',
      registered.existing
        ? `${progress.modelName} v${registered.version} already holds these model files: nothing new registered`
        : `${progress.modelName} v${registered.version}`,
    );

    if (promotes) {
      await promoteAndServe({
        input,
        progress,
        step,
        publish,
        approvals,
        version: registered.version,
        datasetPrefix: dataset.prefix,
        metrics: evaluation.metrics,
        gpuTaskQueue: input.gpuTaskQueue,
        localPlan: cacheHitsInPrepare,
        championWhileServing,
      });
    } else if (project.serve) {
      // Runs started before champion/challenger: every version that passes the gate serves.
      finish(step('promote'), 'skipped', 'started before champion/challenger promotion');
      begin(step('serve'));
      publish();
      const deployed = await bookkeeping.deployModel.executeWithOptions(
        { startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 3 }, summary: `serve ${progress.modelName} v${registered.version}` },
        [{ modelName: progress.modelName, version: registered.version }],
      );
      progress.endpoint = deployed.url;
      finish(step('serve'), 'succeeded', `serving at ${deployed.url}`);
    } else {
      finish(step('promote'), 'skipped', 'started before champion/challenger promotion');
      finish(step('serve'), 'skipped', 'serving disabled for this project');
    }
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

/**
 * What prepare must use as it is rather than take afresh: a resumed run its first run's source and
 * dataset version; a run started by new data the version that started it; a run from a workspace
 * that snapshot. Only the activity's input, so older histories replay as they are.
 */
function pinnedInputs(input: PipelineInput): { pinned?: { sourceDigest?: string; datasetVersion?: string } } {
  const sourceDigest = input.resume?.sourceDigest ?? input.sourceSnapshot;
  const datasetVersion = input.resume?.datasetVersion ?? input.trigger?.datasetVersion;
  if (!sourceDigest && !datasetVersion) return {};
  return { pinned: { ...(sourceDigest ? { sourceDigest } : {}), ...(datasetVersion ? { datasetVersion } : {}) } };
}
