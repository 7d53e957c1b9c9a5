import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { hostname } from 'node:os';
import { checkpointPrefix, stageLiveLog, stageLogKey, stageOutputPrefix } from '../core/artifacts/artifact-keys.js';
import { checkpointFromHeartbeat, type CheckpointRef } from '../core/checkpoints/checkpoint-ref.js';
import { classifyStageExit, describeFailure } from '../core/executors/classify-stage-exit.js';
import { kilnLog } from '../core/logging/kiln-log.js';
import { FAILURE_CLASSES, FAILURE_TYPE_OF_CLASS, type FailureClass } from '../core/pipeline/failure-class.js';
import { stepOf } from '../core/pipeline/stage-attempt.js';
import type { StageName, UpstreamStage } from '../core/pipeline/stage-names.js';
import { parseMetricLine, type MetricPoint } from '../core/runner/metric-line.js';
import type { Hyperparameters } from '../core/specs/hyperparameters.js';
import { stageStateSignal } from '../workflows/pipeline-signals.js';
import type { ActivityDeps } from './activity-deps.js';
import { classified } from './failures.js';
import { LiveStageLog } from './live-stage-log.js';
import { stageCache, stageCacheKey } from './stage-cache.js';
import { trialCurveReporter, type CurveTarget } from './trial-curve-reporter.js';
import { kilnMetrics } from '../core/metrics/kiln-metrics.js';
import { startStageSpan } from '../core/tracing/stage-span.js';

export interface StageInput {
  runId: string;
  stage: StageName;
  entrypoint: string;
  upstream: UpstreamStage[];
  sourceDigest: string;
  datasetPrefix: string;
  environmentDigest: string;
  params: Hyperparameters;
  timeoutSeconds: number;
  /** run_policy.auto_resume: a retry starts from the latest checkpoint instead of over. Absent in older histories: false. */
  autoResume?: boolean;
  /** Upstream stages whose outputs live in another run (resumed or cached stages); others are this run's. */
  upstreamRunIds?: Partial<Record<UpstreamStage, string>>;
  /** Stage caching: reuse a completed identical stage instead of running. Absent in older histories: off. */
  cache?: boolean;
  /** Each upstream stage's cache key; null when it has none, which makes this stage uncacheable. */
  upstreamCacheKeys?: Partial<Record<UpstreamStage, string | null>>;
  /**
   * run_policy.retry_count_limit. When given, this activity decides whether a failure is retried,
   * counting only the failures that use up the limit (not lost or shut-down workers); older
   * histories leave it to the retry policy's maximumAttempts.
   */
  retryCountLimit?: number;
  /** The project (labels on Kubernetes objects). Absent in older histories. */
  project?: string;
  /** The environment's resource limits, for executors that enforce them (Kubernetes). */
  resources?: StageResources;
  /** Modules the stage may find preloaded (warm start, local platform); absent: a cold start. */
  warmImports?: string[];
  /**
   * Recorded and stored under this name instead of `stage` (logs, outputs, attempts, metrics):
   * `champion` is the champion's evaluate stage run inside a challenger's run. Absent: `stage`.
   */
  step?: 'champion';
  /** A trial of an experiment that stops trials early: the stage sends it the objective's curve as it is logged. */
  reportCurve?: CurveTarget;
}

export interface StageResources {
  /** Kubernetes quantities: cores ("2", "500m") and bytes ("4096Mi"). */
  cpu?: string;
  memory?: string;
  gpus: number;
}

export interface StageResult {
  attempt: number;
  startedAt: string;
  finishedAt: string;
  /** Whole activity, including fetching inputs and storing outputs. */
  durationMs: number;
  /** The user process alone. */
  processMs: number;
  /** Last value of each metric the stage logged. */
  metrics: Record<string, number>;
  logUri: string;
  /** The newest checkpoint in the artifact store when the stage ended, if it wrote any. */
  checkpoint?: CheckpointRef;
  /** The checkpoint step this attempt resumed from (auto_resume retries only). */
  resumedFromStep?: number;
  /** The stage's cache key, when it is cacheable. */
  cacheKey?: string;
  /** Set on a cache hit: the run whose outputs this stage reused; nothing ran. */
  cachedFrom?: string;
}

/** What runStage heartbeats; a retry reads `checkpoint` back from the previous attempt's last one. */
export interface StageHeartbeat {
  lines: number;
  metrics: number;
  checkpoint?: CheckpointRef;
}

export function createStageActivities(deps: ActivityDeps) {
  const { artifacts, platform, metadata } = deps;
  const heartbeatMs = deps.heartbeatIntervalMs ?? 2_000;
  const cache = stageCache(deps);

  /**
   * Whether Kiln retries after this failed attempt, and a note saying so. Only failures that use
   * up retry_count_limit are counted against it (a stage that lost two workers and then failed
   * once still has its retries).
   */
  async function decideRetry(input: StageInput, attempt: number, failureClass: FailureClass): Promise<{ retried: boolean | null; note?: string }> {
    const policy = FAILURE_CLASSES[failureClass];
    if (!policy.retried) return { retried: false, note: 'not retried: retrying cannot fix this' };
    if (input.retryCountLimit === undefined) return { retried: null };
    const earlier = await metadata.attempts.countTowardsLimit(input.runId, stepOf(input));
    const used = earlier + (policy.countsTowardsLimit ? 1 : 0);
    if (used > input.retryCountLimit) {
      return {
        retried: false,
        note: `attempt ${attempt}, ${used} failure${used === 1 ? '' : 's'} counted against retry_count_limit=${input.retryCountLimit}: not retried`,
      };
    }
    if (!policy.countsTowardsLimit) return { retried: true, note: `attempt ${attempt}, retried without using up retry_count_limit` };
    return { retried: true, note: `attempt ${attempt}, retry ${used} of ${input.retryCountLimit}` };
  }

  return {
    /** Runs one stage process with the run contract; logs and outputs go to the artifact store. */
    async runStage(input: StageInput): Promise<StageResult> {
      const ctx = Context.current();
      const attempt = ctx.info.attempt;
      const started = new Date();
      const cacheKey = stageCacheKey(input);
      if (input.cache && cacheKey) {
        const hit = await cache.lookup(input, cacheKey, attempt);
        if (hit) return hit;
      }
      const attemptKey = { runId: input.runId, stage: stepOf(input), attempt };
      const stageLog = kilnLog().child({ run_id: input.runId, stage: stepOf(input), attempt, ...(input.project ? { project: input.project } : {}) });
      stageLog.info('stage started');
      const onGpu = ctx.info.taskQueue.endsWith('-gpu');
      const running = { stage: stepOf(input) };
      // Scheduled by the server to started here: waiting for a worker, or for one of its GPU slots.
      const queued = Math.max(0, started.getTime() - ctx.info.currentAttemptScheduledTimestampMs) / 1000;
      kilnMetrics.stageQueueWait.observe({ ...running, queue: onGpu ? 'gpu' : 'cpu' }, queued);
      kilnMetrics.stagesRunning.inc(running);
      if (onGpu) kilnMetrics.gpuSlotsInUse.inc();
      let endedOnce = false;
      const ended = (outcome: string, failureClass = 'none') => {
        if (endedOnce) return;
        endedOnce = true;
        kilnMetrics.stagesRunning.dec(running);
        if (onGpu) kilnMetrics.gpuSlotsInUse.dec();
        kilnMetrics.stageDuration.observe({ stage: stepOf(input), outcome, failure_class: failureClass }, (Date.now() - started.getTime()) / 1000);
      };
      try {
        await Promise.all([
          metadata.runs.upsertStage({ ...attemptKey, status: 'running', startedAt: started.getTime() }),
          // Earlier attempts still marked running died with their worker: Temporal only starts this one after giving up on them.
          metadata.attempts
            .closeAbandoned(input.runId, stepOf(input), attempt, 'the worker running this attempt died or lost contact with Temporal; retried')
            .then(() => metadata.attempts.begin({ ...attemptKey, startedAt: started.getTime(), worker: `${hostname()}:${process.pid}` })),
        ]);

        const checkpoints = checkpointPrefix(input.runId, stepOf(input));
        const context = { input, attempt, heartbeated: checkpointFromHeartbeat(ctx.info.heartbeatDetails, checkpoints), upstream: upstreamPrefixes(input) };
        const launch = await classified(() => platform.stages.launch(context));
        const { resumed } = launch;
        const uploader = launch.checkpoints;

        const logKey = stageLogKey(input.runId, stepOf(input), attempt);
        const live = new LiveStageLog(artifacts, stageLiveLog(input.runId, stepOf(input), attempt));
        const log = live.stream;
        const logStored = artifacts.put(logKey, log);
        if (resumed) log.write(`  kiln: resuming ${input.stage} from checkpoint step ${resumed.step} (attempt ${attempt})\n`);
        const metrics: MetricPoint[] = [];
        const curve = input.reportCurve
          ? trialCurveReporter(deps.temporal, input.reportCurve, input.stage, ctx.info.workflowExecution?.workflowId ?? input.runId)
          : undefined;
        const tail: string[] = [];
        let lines = 0;
        const heartbeat = () => ctx.heartbeat({ lines, metrics: metrics.length, checkpoint: uploader.latest } satisfies StageHeartbeat);
        let uploadError: unknown;
        const poll = () =>
          uploader.sync().then(
            (latest) => latest && heartbeat(),
            (error: unknown) => (uploadError = error),
          );
        // Metrics reach the run record while the stage runs, so early stopping can read a trial's curve.
        let recorded = 0;
        const recordNewMetrics = () => {
          const batch = metrics.slice(recorded);
          recorded = metrics.length;
          return batch.length ? metadata.metrics.recordMany(input.runId, stepOf(input), batch) : Promise.resolve();
        };
        const beat = setInterval(() => {
          heartbeat();
          void poll();
          void recordNewMetrics().catch(() => (recorded = 0));
          curve?.tick();
          live.flush();
        }, heartbeatMs);
        // A stage that must wait (no GPU free, no node fits) says why: in the run record and the
        // workflow's progress (CLI, API, Web UI), until it starts.
        let waitingFor: string | undefined;
        const reportState = async (status: 'waiting' | 'running', message: string | undefined) => {
          if (message) log.write(`  kiln: ${message}\n`);
          const workflowId = ctx.info.workflowExecution?.workflowId ?? input.runId;
          await Promise.all([
            metadata.runs.upsertStage({ ...attemptKey, status, message: message ?? null }),
            input.step
              ? undefined
              : deps.temporal.workflow.getHandle(workflowId).signal(stageStateSignal, { stage: input.stage, status, ...(message ? { message } : {}) }),
          ]).catch(() => undefined);
        };
        let exit;
        const span = startStageSpan(stepOf(input), { 'kiln.run_id': input.runId, 'kiln.stage': stepOf(input), 'kiln.attempt': attempt });
        try {
          exit = await platform.executor.run(
            { ...launch.spec, env: { ...launch.spec.env, ...span.env }, signal: ctx.cancellationSignal },
            {
              onPending: (reason) => {
                waitingFor = reason;
                void reportState('waiting', reason);
              },
              onStart: () => {
                if (waitingFor !== undefined) void reportState('running', undefined);
              },
              onLine(line, stream) {
                if (span.observe(line)) return;
                lines += 1;
                log.write(`${stream === 'stderr' ? '!' : ' '} ${line}\n`);
                const parsed = parseMetricLine(line);
                if (parsed.kind === 'metric') {
                  metrics.push(parsed.metric);
                  curve?.observe(parsed.metric);
                } else if (parsed.kind === 'invalid') log.write(`! kiln: ignored malformed metric line: ${parsed.reason}\n`);
                tail.push(line);
                if (tail.length > 20) tail.shift();
              },
            },
          );
        } finally {
          span.end(
            !exit ? 'not started' : exit.cancelled ? 'cancelled' : exit.timedOut ? 'timed out' : exit.exitCode ? `exit code ${exit.exitCode}` : undefined,
          );
          clearInterval(beat);
          // Success or failure, the last checkpoint must reach the store before the next attempt looks for it.
          await uploader.finish().then(
            (latest) => latest && heartbeat(),
            (error: unknown) => (uploadError ??= error),
          );
          if (uploadError) log.write(`! kiln: checkpoint upload failed: ${uploadError instanceof Error ? uploadError.message : String(uploadError)}\n`);
          log.end();
        }
        const succeeded = !exit.cancelled && !exit.timedOut && exit.exitCode === 0;
        // Independent writes, in parallel: each costs a few ms and every stage pays them.
        const [logInfo] = await Promise.all([
          logStored.then(async (info) => (await live.close(), info)),
          recordNewMetrics(),
          succeeded ? launch.storeOutputs() : undefined,
          succeeded ? curve?.finish() : undefined,
        ]);
        const finished = new Date();
        const stageRecord = {
          runId: input.runId,
          stage: stepOf(input),
          attempt,
          startedAt: started.getTime(),
          finishedAt: finished.getTime(),
          durationMs: finished.getTime() - started.getTime(),
          processMs: exit.durationMs,
        };
        const checkpointNote = describeCheckpoints(resumed, uploader.latest);

        if (exit.cancelled) {
          // Nobody asked to cancel the run: this worker is shutting down and Temporal retries the stage elsewhere.
          const byShutdown = !ctx.cancellationDetails?.cancelRequested;
          const message = byShutdown ? 'worker shutting down; the stage is retried on another worker' : 'cancelled';
          await Promise.all([
            metadata.runs.upsertStage({ ...stageRecord, status: byShutdown ? 'failed' : 'cancelled', message }),
            metadata.attempts.end(
              byShutdown
                ? {
                    ...attemptKey,
                    status: 'failed',
                    failureClass: 'worker_shutdown',
                    retried: true,
                    message: `${FAILURE_CLASSES.worker_shutdown.label}: ${message}`,
                    logUri: artifacts.uri(logInfo.key),
                  }
                : { ...attemptKey, status: 'cancelled', retried: false, message, logUri: artifacts.uri(logInfo.key) },
            ),
          ]);
          stageLog.warn({ reason: message }, byShutdown ? 'stage interrupted by worker shutdown' : 'stage cancelled');
          ended(byShutdown ? 'failed' : 'cancelled', byShutdown ? 'worker_shutdown' : 'none');
          if (byShutdown) kilnMetrics.stageRetries.inc({ stage: stepOf(input), failure_class: 'worker_shutdown' });
          throw new CancelledFailure(`${stepOf(input)} cancelled`);
        }
        if (exit.timedOut || exit.exitCode !== 0) {
          const failure = classifyStageExit(stepOf(input), exit, { timeoutSeconds: input.timeoutSeconds, lastOutputLine: lastMeaningful(tail) });
          const retry = await decideRetry(input, attempt, failure.failureClass);
          const reason = [describeFailure(failure), retry.note, checkpointNote].filter(Boolean).join('; ');
          await Promise.all([
            metadata.runs.upsertStage({ ...stageRecord, status: 'failed', message: reason }),
            metadata.attempts.end({
              ...attemptKey,
              status: 'failed',
              failureClass: failure.failureClass,
              retried: retry.retried,
              message: reason,
              logUri: artifacts.uri(logInfo.key),
            }),
          ]);
          stageLog.warn({ failure_class: failure.failureClass, retried: retry.retried, exit_code: exit.exitCode, reason }, 'stage failed');
          ended('failed', failure.failureClass);
          if (retry.retried !== false) kilnMetrics.stageRetries.inc({ stage: stepOf(input), failure_class: failure.failureClass });
          throw ApplicationFailure.create({
            type: FAILURE_TYPE_OF_CLASS[failure.failureClass],
            message: reason,
            nonRetryable: retry.retried === false,
            details: [{ logUri: artifacts.uri(logInfo.key), failureClass: failure.failureClass, attempt }],
          });
        }
        const done = new Date();
        const result: StageResult = {
          attempt,
          startedAt: started.toISOString(),
          finishedAt: done.toISOString(),
          durationMs: done.getTime() - started.getTime(),
          processMs: exit.durationMs,
          metrics: Object.fromEntries(metrics.map((m) => [m.name, m.value])),
          logUri: artifacts.uri(logInfo.key),
          ...(uploader.latest ? { checkpoint: uploader.latest } : {}),
          ...(resumed ? { resumedFromStep: resumed.step } : {}),
          ...(cacheKey ? { cacheKey } : {}),
        };
        await Promise.all([
          // Recorded whatever this run's cache switch says, so later runs (and resumes) can reuse it.
          cacheKey ? cache.record(input, cacheKey, result.metrics) : undefined,
          metadata.runs.upsertStage({
            ...stageRecord,
            finishedAt: done.getTime(),
            durationMs: result.durationMs,
            status: 'succeeded',
            message: checkpointNote,
          }),
          metadata.attempts.end({ ...attemptKey, status: 'succeeded', retried: false, message: checkpointNote ?? null, logUri: result.logUri }),
        ]);
        stageLog.info({ duration_ms: result.durationMs, process_ms: result.processMs }, 'stage succeeded');
        ended('succeeded');
        // Outputs and log are in the artifact store now; a failed attempt's directory stays for inspection.
        launch.cleanUp();
        return result;
      } finally {
        // A throw before the attempt was classified (launch, store): still not running any more.
        if (!endedOnce) ended('failed', 'internal_error');
      }
    },
  };
}

/** Where each upstream stage's outputs are: a resumed or cached upstream's stay where its own run wrote them. */
export function upstreamPrefixes(input: Pick<StageInput, 'runId' | 'upstream' | 'upstreamRunIds'>): Record<string, string> {
  return Object.fromEntries(input.upstream.map((stage) => [stage, stageOutputPrefix(input.upstreamRunIds?.[stage] ?? input.runId, stage)]));
}

/** For the stage's run record: where it resumed and the newest checkpoint it left, in words. */
function describeCheckpoints(resumed: CheckpointRef | undefined, latest: CheckpointRef | undefined): string | undefined {
  const parts = [
    resumed && `resumed from checkpoint step ${resumed.step}`,
    latest && latest !== resumed && `latest checkpoint step ${latest.step} (${latest.key})`,
  ];
  return parts.filter(Boolean).join(', ') || undefined;
}

function lastMeaningful(tail: string[]): string {
  const line = [...tail].reverse().find((l) => l.trim() && !l.startsWith('KILN_METRIC'));
  return line ? line.trim().slice(0, 300) : 'no output';
}
