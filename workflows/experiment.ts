import {
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { KilnActivities } from '../activities/index.js';
import { medianStop } from '../core/hpo/median-stop.js';
import { clampSummary } from '../core/pipeline/clamp-summary.js';
import { suggest } from '../core/hpo/suggest.js';
import { reachesTarget } from '../core/hpo/trial-observation.js';
import type { RunProgress } from '../core/pipeline/run-progress.js';
import { KilnExperiment, KilnKind, KilnProject } from '../core/temporal/search-attributes.js';
import {
  bestTrial,
  countByStatus,
  describeAssignment,
  initialState,
  observations,
  paramsForTrial,
  trialRunId,
  type ExperimentInput,
  type ExperimentState,
  type ExperimentView,
  type TrialRecord,
} from './experiment-state.js';
import { pipelineWorkflow } from './pipeline.js';

import { experimentQuery, extendExperimentUpdate, stopExperimentSignal } from './experiment-signals.js';

export { experimentQuery, extendExperimentUpdate, stopExperimentSignal };

const { trialCurves } = proxyActivities<KilnActivities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 5 } });

/** How often running trials are checked against the median stopping rule. */
const EARLY_STOP_POLL = '2 seconds';

interface RunningTrial {
  scope: CancellationScope;
  settled: Promise<{ index: number; progress?: RunProgress; error?: unknown }>;
  /** Set when the median rule stopped it: the last value and the reason. */
  stopped?: { objective?: number; reason: string };
}

/**
 * A Katib-style tuning experiment: the spec's algorithm suggests parameters (pure code, so
 * replay is deterministic), each trial is a pipeline child workflow (train + evaluate) with
 * its own run record, at most parallel_trial_count at once; failed trials count towards
 * max_failed_trial_count; the median rule stops trials that fall behind; reaching the target
 * ends it early. Long experiments continue as new between trials without losing state.
 */
export async function experimentWorkflow(input: ExperimentInput): Promise<ExperimentView> {
  const { spec, experimentId } = input;
  const state: ExperimentState = input.state ?? initialState(spec);
  const running = new Map<number, RunningTrial>();
  let stopRequested = false;
  let wake = false;
  let endedThisRun = 0;
  // Drain and continue as new: when Temporal suggests it, or after the configured number of trials.
  const timeToContinue = () =>
    workflowInfo().continueAsNewSuggested || (input.continueAsNewAfterTrials !== undefined && endedThisRun >= input.continueAsNewAfterTrials);

  const view = (): ExperimentView => ({
    ...state,
    experimentId,
    name: spec.name,
    objective: spec.objective,
    parallelTrialCount: spec.parallel_trial_count,
    ...(bestTrial(spec, state.trials) ? { best: bestTrial(spec, state.trials)! } : {}),
  });
  const publish = () => {
    const best = view().best;
    const done = state.trials.filter((t) => t.status !== 'running').length;
    setCurrentDetails(
      [
        `**${state.status}** — ${done}/${state.maxTrialCount} trials done, ${running.size} running`,
        best ? `best: trial ${best.index} ${spec.objective.metric}=${best.objective} (${describeAssignment(best.assignment)})` : 'best: none yet',
        state.message ?? '',
      ].join('\n'),
    );
  };
  setHandler(experimentQuery, view);
  setHandler(stopExperimentSignal, () => {
    stopRequested = true;
    wake = true;
  });
  setHandler(
    extendExperimentUpdate,
    ({ maxTrialCount }) => {
      state.maxTrialCount = maxTrialCount;
      wake = true;
      return view();
    },
    {
      validator: ({ maxTrialCount }) => {
        if (!Number.isInteger(maxTrialCount) || maxTrialCount <= state.maxTrialCount) {
          throw new Error(`max_trial_count: must be an integer above the current ${state.maxTrialCount}`);
        }
      },
    },
  );

  const failedCount = () => countByStatus(state.trials, 'failed');
  const targetReached = () => state.trials.some((t) => t.status === 'succeeded' && t.objective !== undefined && reachesTarget(spec.objective, t.objective));
  const canLaunch = () =>
    !stopRequested &&
    !state.exhausted &&
    !targetReached() &&
    failedCount() <= spec.max_failed_trial_count &&
    state.trials.length < state.maxTrialCount &&
    !timeToContinue();

  const launch = (trial: TrialRecord) => {
    const scope = new CancellationScope();
    const settled = scope
      .run(async () => {
        const child = await startChild(pipelineWorkflow, {
          workflowId: trial.runId,
          args: [
            { ...input.base, runId: trial.runId, params: paramsForTrial(input.base.params, trial.assignment), trial: { experimentId, index: trial.index } },
          ],
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          typedSearchAttributes: [
            { key: KilnProject, value: input.base.project.name },
            { key: KilnKind, value: 'trial' },
            { key: KilnExperiment, value: experimentId },
          ],
          staticSummary: clampSummary(`trial ${trial.index} of ${spec.name}: ${describeAssignment(trial.assignment)}`),
        });
        return child.result();
      })
      .then(
        (progress) => ({ index: trial.index, progress }),
        (error: unknown) => ({ index: trial.index, error }),
      );
    running.set(trial.index, { scope, settled });
  };

  const record = (index: number, outcome: { progress?: RunProgress; error?: unknown }) => {
    const trial = state.trials[index]!;
    const entry = running.get(index)!;
    running.delete(index);
    endedThisRun += 1;
    trial.finishedAt = new Date().toISOString();
    if (entry.stopped) {
      Object.assign(
        trial,
        { status: 'early_stopped', reason: entry.stopped.reason },
        entry.stopped.objective === undefined ? {} : { objective: entry.stopped.objective },
      );
    } else if (outcome.progress) {
      const value = outcome.progress.metrics[spec.objective.metric];
      if (value === undefined) Object.assign(trial, { status: 'failed', reason: `the objective metric ${spec.objective.metric} was not reported by evaluate` });
      else Object.assign(trial, { status: 'succeeded', objective: value });
    } else if (stopRequested && isCancellation(outcome.error)) {
      Object.assign(trial, { status: 'cancelled', reason: 'experiment stopped' });
    } else {
      Object.assign(trial, { status: 'failed', reason: messageOfFailure(outcome.error) });
    }
  };

  const applyMedianStop = async () => {
    const rule = spec.early_stopping;
    if (!rule || running.size === 0) return;
    const completed = state.trials.filter((t) => t.status === 'succeeded');
    const live = [...running.keys()].filter((i) => !running.get(i)!.stopped).map((i) => state.trials[i]!);
    const curves = await trialCurves({ runIds: [...live, ...completed].map((t) => t.runId), metric: spec.objective.metric });
    const completedSeries = completed.map((t) => curves[t.runId] ?? []);
    for (const trial of live) {
      const series = curves[trial.runId] ?? [];
      const decision = medianStop(spec.objective, rule, series, completedSeries);
      if (!decision.stop) continue;
      const entry = running.get(trial.index)!;
      entry.stopped = { reason: `early stopped: ${decision.reason}`, ...(series.length ? { objective: series.at(-1)!.value } : {}) };
      entry.scope.cancel();
    }
  };

  publish();
  try {
    for (;;) {
      while (canLaunch() && running.size < spec.parallel_trial_count) {
        const free = Math.min(spec.parallel_trial_count - running.size, state.maxTrialCount - state.trials.length);
        const next = suggest(spec, observations(state.trials), free, state.suggest);
        state.suggest = next.state;
        state.exhausted = next.exhausted;
        if (next.assignments.length === 0) break;
        for (const assignment of next.assignments) {
          const trial: TrialRecord = {
            index: state.trials.length,
            runId: trialRunId(experimentId, state.trials.length),
            assignment,
            status: 'running',
            startedAt: new Date().toISOString(),
          };
          state.trials.push(trial);
          launch(trial);
        }
      }
      publish();
      if (stopRequested) for (const entry of running.values()) entry.scope.cancel();
      if (running.size === 0) {
        // Nothing runs and nothing more may start: done, unless only the history's size asks for a fresh run.
        if (timeToContinue() && !stopRequested && canLaunchIgnoringHistory()) {
          return await continueAsNew<typeof experimentWorkflow>({ ...input, state });
        }
        if (!(canLaunch() && !state.exhausted)) break;
        // A rung of Hyperband may wait for nothing here; wait for an extension or a stop instead of spinning.
        wake = false;
        await condition(() => wake);
        continue;
      }
      wake = false;
      const finished = await Promise.race([
        ...[...running.values()].map((r) => r.settled),
        ...(spec.early_stopping ? [sleep(EARLY_STOP_POLL).then(() => undefined)] : []),
        condition(() => wake).then(() => undefined),
      ]);
      if (finished) record(finished.index, finished);
      // Collect everything else that has finished meanwhile, then apply the median rule.
      await applyMedianStop();
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // The experiment workflow itself was cancelled: stop its trials, record, and say so.
    stopRequested = true;
    await CancellationScope.nonCancellable(async () => {
      for (const entry of running.values()) entry.scope.cancel();
      for (const [index, entry] of [...running]) record(index, await entry.settled);
    });
  }

  state.status = stopRequested ? 'stopped' : failedCount() > spec.max_failed_trial_count ? 'failed' : 'succeeded';
  state.message = stopRequested
    ? 'stopped by request'
    : state.status === 'failed'
      ? `${failedCount()} trials failed, more than max_failed_trial_count=${spec.max_failed_trial_count}`
      : targetReached()
        ? `objective target ${spec.objective.target} reached`
        : state.exhausted
          ? 'search space exhausted'
          : `max_trial_count=${state.maxTrialCount} trials run`;
  publish();
  if (state.status === 'failed') throw ApplicationFailure.create({ type: 'ExperimentFailed', message: state.message, nonRetryable: true, details: [view()] });
  return view();

  function canLaunchIgnoringHistory(): boolean {
    return !state.exhausted && !targetReached() && failedCount() <= spec.max_failed_trial_count && state.trials.length < state.maxTrialCount;
  }
}

function messageOfFailure(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(error);
}
