import {
  CancellationScope,
  isCancellation,
  ParentClosePolicy,
  patched,
  proxyActivities,
  sleep,
  startChild,
  condition,
  continueAsNew,
} from '@temporalio/workflow';
import type { KilnActivities } from '../activities/index.js';
import { medianStop } from '../core/hpo/median-stop.js';
import type { RunProgress } from '../core/pipeline/run-progress.js';
import { ExperimentBook, outcomeOf, type EarlyStop } from './experiment-book.js';
import { runExperimentOnEvents } from './experiment-events.js';
import { experimentQuery, extendExperimentUpdate, stopExperimentSignal, trialCurveSignal } from './experiment-signals.js';
import type { ExperimentInput, ExperimentView, TrialRecord } from './experiment-state.js';
import { trialChildOptions } from './experiment-trials.js';
import { pipelineWorkflow } from './pipeline.js';

export { experimentQuery, extendExperimentUpdate, stopExperimentSignal, trialCurveSignal };

/**
 * Experiments started from here on get their trials' curves pushed by the stages instead of
 * polling for them, and continue as new while trials run (workflows/experiment-events.ts).
 */
export const TRIAL_CURVE_EVENTS_PATCH = 'kiln-experiment-trial-curve-events';

const { trialCurves } = proxyActivities<KilnActivities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 5 } });

/** How often running trials are checked against the median stopping rule (experiments started before the patch). */
const EARLY_STOP_POLL = '2 seconds';

interface RunningTrial {
  scope: CancellationScope;
  settled: Promise<{ index: number; progress?: RunProgress; error?: unknown }>;
  /** Set when the median rule stopped it: the last value and the reason. */
  stopped?: EarlyStop;
}

/**
 * A Katib-style tuning experiment: the spec's algorithm suggests parameters (pure code, so
 * replay is deterministic), each trial is a pipeline child workflow (train + evaluate) with
 * its own run record, at most parallel_trial_count at once; failed trials count towards
 * max_failed_trial_count; the median rule stops trials that fall behind; reaching the target
 * ends it early. Long experiments continue as new without losing state.
 */
export async function experimentWorkflow(input: ExperimentInput): Promise<ExperimentView> {
  // Decided once, before any command: a run keeps the behaviour it started with.
  if (patched(TRIAL_CURVE_EVENTS_PATCH)) return runExperimentOnEvents(input);
  return runExperimentPolling(input);
}

/**
 * Experiments started before TRIAL_CURVE_EVENTS_PATCH: they read running trials' curves every
 * 2 s and continue as new only once no trial runs. Kept as it was so their histories replay.
 */
async function runExperimentPolling(input: ExperimentInput): Promise<ExperimentView> {
  const { spec } = input;
  const running = new Map<number, RunningTrial>();
  const book = new ExperimentBook(input, () => running.size);
  const { state } = book;
  book.installHandlers();

  const launch = (trial: TrialRecord) => {
    const scope = new CancellationScope();
    const settled = scope
      .run(async () => {
        const child = await startChild(pipelineWorkflow, trialChildOptions(input, trial, ParentClosePolicy.REQUEST_CANCEL));
        return child.result();
      })
      .then(
        (progress) => ({ index: trial.index, progress }),
        (error: unknown) => ({ index: trial.index, error }),
      );
    running.set(trial.index, { scope, settled });
  };

  const record = (index: number, outcome: { progress?: RunProgress; error?: unknown }) => {
    const entry = running.get(index)!;
    running.delete(index);
    book.record(index, outcomeOf(outcome), entry.stopped);
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

  book.publish();
  try {
    for (;;) {
      while (book.canLaunch() && running.size < spec.parallel_trial_count) {
        const free = Math.min(spec.parallel_trial_count - running.size, state.maxTrialCount - state.trials.length);
        const trials = book.suggestTrials(free);
        if (trials.length === 0) break;
        for (const trial of trials) launch(trial);
      }
      book.publish();
      if (book.stopRequested) for (const entry of running.values()) entry.scope.cancel();
      if (running.size === 0) {
        // Nothing runs and nothing more may start: done, unless only the history's size asks for a fresh run.
        if (book.timeToContinue() && !book.stopRequested && book.canLaunchIgnoringHistory()) {
          return await continueAsNew<typeof experimentWorkflow>({ ...input, state });
        }
        if (!(book.canLaunch() && !state.exhausted)) break;
        // A rung of Hyperband may wait for nothing here; wait for an extension or a stop instead of spinning.
        book.wake = false;
        await condition(() => book.wake);
        continue;
      }
      book.wake = false;
      const finished = await Promise.race([
        ...[...running.values()].map((r) => r.settled),
        ...(spec.early_stopping ? [sleep(EARLY_STOP_POLL).then(() => undefined)] : []),
        condition(() => book.wake).then(() => undefined),
      ]);
      if (finished) record(finished.index, finished);
      // Collect everything else that has finished meanwhile, then apply the median rule.
      await applyMedianStop();
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // The experiment workflow itself was cancelled: stop its trials, record, and say so.
    book.stopRequested = true;
    await CancellationScope.nonCancellable(async () => {
      for (const entry of running.values()) entry.scope.cancel();
      for (const [index, entry] of [...running]) record(index, await entry.settled);
    });
  }
  return book.finish();
}
