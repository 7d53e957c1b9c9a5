import {
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import type { KilnActivities } from '../activities/index.js';
import { medianStop, type MetricSeries } from '../core/hpo/median-stop.js';
import { mergePoints, seriesOf, type TrialCurve } from '../core/hpo/trial-curve.js';
import { ExperimentBook, outcomeOf, type EarlyStop, type TrialOutcome } from './experiment-book.js';
import { trialCurveSignal } from './experiment-signals.js';
import type { ExperimentInput, ExperimentView, TrialRecord } from './experiment-state.js';
import { trialChildOptions } from './experiment-trials.js';
import { pipelineWorkflow } from './pipeline.js';

const { trialCurves } = proxyActivities<KilnActivities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 5 } });
/** A trial adopted from an earlier run may run for days; the heartbeat notices a lost worker within a minute. */
const { awaitTrialEnd } = proxyActivities<KilnActivities>({ startToCloseTimeout: '30 days', heartbeatTimeout: '1 minute' });

interface LiveTrial {
  settled: Promise<{ index: number } & TrialOutcome>;
  /** Resolves once the trial's run exists: a run must not continue as new before its children have started. */
  started: Promise<unknown>;
  /** Asks its run to cancel; resolves once Temporal has delivered the request. */
  cancel(): Promise<void>;
  stopped?: EarlyStop;
}

/**
 * The experiment loop for runs started with TRIAL_CURVE_EVENTS_PATCH. Nothing polls: it wakes
 * when a trial ends, a stage pushes new points of a trial's curve (trialCurveSignal, paced so
 * a trial adds a bounded number of events), or a stop or extension arrives. It continues as
 * new while trials run: trials are children that outlive the run (ABANDON), the next run
 * adopts them from the carried state and waits for each with an activity, and cancels them
 * itself when stopped, cancelled or when the median rule says so. A trial whose experiment was
 * terminated cancels itself at its next report (activities/trial-curve-reporter.ts).
 */
export async function runExperimentOnEvents(input: ExperimentInput): Promise<ExperimentView> {
  const { spec } = input;
  const live = new Map<number, LiveTrial>();
  const book = new ExperimentBook(input, () => live.size);
  const { state } = book;
  const rule = spec.early_stopping;
  /** Curves pushed by running trials' stages; completed trials' full curves, read from the run record once. */
  const curves = new Map<number, TrialCurve>();
  /** Adopted trials' curves as the run record held them when first judged here (earlier points went to an earlier run). */
  const recorded = new Map<number, MetricSeries>();
  const completedSeries = new Map<number, MetricSeries>();
  let newPoints = false;
  const seriesOfLive = (index: number) => mergePoints(recorded.get(index), seriesOf(curves.get(index)));

  const launch = (trial: TrialRecord) => {
    const scope = new CancellationScope();
    let markStarted = () => {};
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const settled = scope
      .run(async () => {
        try {
          const child = await startChild(
            pipelineWorkflow,
            trialChildOptions(input, trial, ParentClosePolicy.ABANDON, rule ? { metric: spec.objective.metric } : undefined),
          );
          markStarted();
          return await child.result();
        } finally {
          markStarted();
        }
      })
      .then(
        (progress) => ({ index: trial.index, ...outcomeOf({ progress }) }),
        (error: unknown) => ({ index: trial.index, ...outcomeOf({ error }) }),
      );
    live.set(trial.index, { settled, started, cancel: () => cancelRun(trial) });
  };

  /** A trial an earlier run started: not this run's child, so an activity waits for it; cancelled by id. */
  const adopt = (trial: TrialRecord) => {
    const settled = CancellationScope.nonCancellable(() => awaitTrialEnd({ runId: trial.runId })).then((end) => ({ index: trial.index, ...end }));
    const stopped = state.stopping?.[String(trial.index)];
    live.set(trial.index, { settled, started: Promise.resolve(), cancel: () => cancelRun(trial), ...(stopped ? { stopped } : {}) });
  };

  /**
   * By id, for children and adopted trials alike: the request is then a command whose delivery
   * the run can wait for before it continues as new (a child's scope cancel gives no such point).
   */
  const cancelling = new Map<number, Promise<void>>();
  const cancelRun = (trial: TrialRecord) => {
    const earlier = cancelling.get(trial.index);
    if (earlier) return earlier;
    const requested = getExternalWorkflowHandle(trial.runId)
      .cancel()
      .catch(() => undefined);
    cancelling.set(trial.index, requested);
    return requested;
  };

  const record = ({ index, ...outcome }: { index: number } & TrialOutcome) => {
    const entry = live.get(index)!;
    live.delete(index);
    curves.delete(index);
    recorded.delete(index);
    book.record(index, outcome, entry.stopped);
  };

  /** The median rule, with the pushed curves; reads a completed trial's full curve once. */
  const applyMedianStop = async () => {
    if (!rule) return;
    const judged = [...live].filter(([, entry]) => !entry.stopped).map(([index]) => state.trials[index]!);
    if (judged.length === 0) return;
    const completed = state.trials.filter((t) => t.status === 'succeeded');
    const unread = [...completed.filter((t) => !completedSeries.has(t.index)), ...judged.filter((t) => adopted.has(t.index) && !recorded.has(t.index))];
    if (unread.length > 0) {
      const read = await trialCurves({ runIds: unread.map((t) => t.runId), metric: spec.objective.metric });
      for (const trial of unread) (trial.status === 'succeeded' ? completedSeries : recorded).set(trial.index, read[trial.runId] ?? []);
    }
    const others = completed.map((t) => completedSeries.get(t.index) ?? []);
    for (const trial of judged) {
      const entry = live.get(trial.index);
      if (!entry || entry.stopped) continue;
      const series = seriesOfLive(trial.index);
      const decision = medianStop(spec.objective, rule, series, others);
      if (!decision.stop) continue;
      entry.stopped = { reason: `early stopped: ${decision.reason}`, ...(series.length ? { objective: series.at(-1)!.value } : {}) };
      void entry.cancel();
    }
  };

  // Adopted before the handlers are set: a report buffered for an adopted trial is then kept.
  const adopted = new Set(state.trials.filter((t) => t.status === 'running').map((t) => t.index));
  for (const index of adopted) adopt(state.trials[index]!);
  delete state.stopping;
  book.installHandlers();
  setHandler(trialCurveSignal, ({ index, stage, points }) => {
    if (!live.has(index)) return;
    const curve = curves.get(index) ?? {};
    curve[stage] = mergePoints(curve[stage], points);
    curves.set(index, curve);
    newPoints = true;
    book.wake = true;
  });
  book.publish();
  try {
    for (;;) {
      while (book.canLaunch() && live.size < spec.parallel_trial_count) {
        const free = Math.min(spec.parallel_trial_count - live.size, state.maxTrialCount - state.trials.length);
        const trials = book.suggestTrials(free);
        if (trials.length === 0) break;
        for (const trial of trials) launch(trial);
      }
      book.publish();
      if (book.stopRequested) for (const entry of live.values()) void entry.cancel();
      if (book.timeToContinue() && !book.stopRequested && (live.size > 0 || book.canLaunchIgnoringHistory())) {
        // Running trials carry over: the next run adopts them, and remembers which the median rule is stopping.
        await Promise.all([...[...live.values()].map((entry) => entry.started), ...cancelling.values()]);
        const stopping = Object.fromEntries([...live].filter(([, e]) => e.stopped).map(([index, e]) => [String(index), e.stopped!]));
        return await continueAsNew<typeof runExperimentOnEvents>({ ...input, state: { ...state, ...(Object.keys(stopping).length ? { stopping } : {}) } });
      }
      if (live.size === 0) {
        if (!(book.canLaunch() && !state.exhausted)) break;
        // A rung of Hyperband may wait for nothing here; wait for an extension or a stop instead of spinning.
        book.wake = false;
        await condition(() => book.wake);
        continue;
      }
      book.wake = false;
      const ended = await Promise.race([...[...live.values()].map((entry) => entry.settled), condition(() => book.wake).then(() => undefined)]);
      if (ended) record(ended);
      // A new completed curve moves the median; new points move a trial: judge the running ones again.
      if (rule && (newPoints || ended?.progress)) {
        newPoints = false;
        await applyMedianStop();
      }
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // The experiment itself was cancelled: stop its trials (adopted ones are not its children), record, and say so.
    book.stopRequested = true;
    await CancellationScope.nonCancellable(async () => {
      for (const entry of live.values()) void entry.cancel();
      for (const entry of [...live.values()]) record(await entry.settled);
    });
  }
  return book.finish();
}
