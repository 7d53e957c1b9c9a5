import { ApplicationFailure, isCancellation, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import { suggest } from '../core/hpo/suggest.js';
import { reachesTarget } from '../core/hpo/trial-observation.js';
import type { RunProgress } from '../core/pipeline/run-progress.js';
import { experimentQuery, extendExperimentUpdate, stopExperimentSignal } from './experiment-signals.js';
import {
  bestTrial,
  countByStatus,
  describeAssignment,
  initialState,
  observations,
  trialRunId,
  type ExperimentInput,
  type ExperimentState,
  type ExperimentView,
  type TrialRecord,
} from './experiment-state.js';

/** How a trial's run ended, as the experiment records it. */
export interface TrialOutcome {
  progress?: RunProgress;
  failure?: { cancelled: boolean; message: string };
}

/** Set when the median rule stopped a trial: its last value and the reason. */
export interface EarlyStop {
  objective?: number;
  reason: string;
}

/**
 * An experiment run's record and rules, apart from how it runs and watches trials: the state,
 * its view and Web UI details, the stop signal and extend update, which trials may start next,
 * how an ended trial is recorded, and how the experiment ends. Pure bookkeeping: no commands.
 */
export class ExperimentBook {
  readonly state: ExperimentState;
  stopRequested = false;
  /** Set by any message that may let the run make progress. */
  wake = false;
  endedThisRun = 0;

  constructor(
    readonly input: ExperimentInput,
    private readonly runningCount: () => number,
  ) {
    this.state = input.state ?? initialState(input.spec);
  }

  get spec() {
    return this.input.spec;
  }

  view(): ExperimentView {
    const best = bestTrial(this.spec, this.state.trials);
    return {
      ...this.state,
      experimentId: this.input.experimentId,
      name: this.spec.name,
      objective: this.spec.objective,
      parallelTrialCount: this.spec.parallel_trial_count,
      ...(best ? { best } : {}),
    };
  }

  publish(): void {
    const { state, spec } = this;
    const best = this.view().best;
    const done = state.trials.filter((t) => t.status !== 'running').length;
    setCurrentDetails(
      [
        `**${state.status}** — ${done}/${state.maxTrialCount} trials done, ${this.runningCount()} running`,
        best ? `best: trial ${best.index} ${spec.objective.metric}=${best.objective} (${describeAssignment(best.assignment)})` : 'best: none yet',
        state.message ?? '',
      ].join('\n'),
    );
  }

  installHandlers(): void {
    setHandler(experimentQuery, () => this.view());
    setHandler(stopExperimentSignal, () => {
      this.stopRequested = true;
      this.wake = true;
    });
    setHandler(
      extendExperimentUpdate,
      ({ maxTrialCount }) => {
        this.state.maxTrialCount = maxTrialCount;
        this.wake = true;
        return this.view();
      },
      {
        validator: ({ maxTrialCount }) => {
          if (!Number.isInteger(maxTrialCount) || maxTrialCount <= this.state.maxTrialCount) {
            throw new Error(`max_trial_count: must be an integer above the current ${this.state.maxTrialCount}`);
          }
        },
      },
    );
  }

  failedCount(): number {
    return countByStatus(this.state.trials, 'failed');
  }

  targetReached(): boolean {
    return this.state.trials.some((t) => t.status === 'succeeded' && t.objective !== undefined && reachesTarget(this.spec.objective, t.objective));
  }

  /** Drain and continue as new: when Temporal suggests it, or after the configured number of trials. */
  timeToContinue(): boolean {
    const after = this.input.continueAsNewAfterTrials;
    return workflowInfo().continueAsNewSuggested || (after !== undefined && this.endedThisRun >= after);
  }

  canLaunch(): boolean {
    return !this.stopRequested && this.canLaunchIgnoringHistory() && !this.timeToContinue();
  }

  canLaunchIgnoringHistory(): boolean {
    const { state, spec } = this;
    return !state.exhausted && !this.targetReached() && this.failedCount() <= spec.max_failed_trial_count && state.trials.length < state.maxTrialCount;
  }

  /** The next trials the algorithm suggests for `free` slots, added to the record as running (none: it has nothing now). */
  suggestTrials(free: number): TrialRecord[] {
    const { state, spec } = this;
    const next = suggest(spec, observations(state.trials), free, state.suggest);
    state.suggest = next.state;
    state.exhausted = next.exhausted;
    return next.assignments.map((assignment) => {
      const trial: TrialRecord = {
        index: state.trials.length,
        runId: trialRunId(this.input.experimentId, state.trials.length),
        assignment,
        status: 'running',
        startedAt: new Date().toISOString(),
      };
      state.trials.push(trial);
      return trial;
    });
  }

  record(index: number, outcome: TrialOutcome, stopped: EarlyStop | undefined): void {
    const trial = this.state.trials[index]!;
    this.endedThisRun += 1;
    trial.finishedAt = new Date().toISOString();
    if (stopped) {
      Object.assign(trial, { status: 'early_stopped', reason: stopped.reason }, stopped.objective === undefined ? {} : { objective: stopped.objective });
    } else if (outcome.progress) {
      const value = outcome.progress.metrics[this.spec.objective.metric];
      if (value === undefined)
        Object.assign(trial, { status: 'failed', reason: `the objective metric ${this.spec.objective.metric} was not reported by evaluate` });
      else Object.assign(trial, { status: 'succeeded', objective: value });
    } else if (this.stopRequested && outcome.failure?.cancelled) {
      Object.assign(trial, { status: 'cancelled', reason: 'experiment stopped' });
    } else {
      Object.assign(trial, { status: 'failed', reason: outcome.failure?.message ?? 'ended without a result' });
    }
  }

  /** Records how the experiment ended and answers its view; too many failed trials fail it. */
  finish(): ExperimentView {
    const { state, spec } = this;
    const failed = this.failedCount();
    state.status = this.stopRequested ? 'stopped' : failed > spec.max_failed_trial_count ? 'failed' : 'succeeded';
    state.message = this.stopRequested
      ? 'stopped by request'
      : state.status === 'failed'
        ? `${failed} trials failed, more than max_failed_trial_count=${spec.max_failed_trial_count}`
        : this.targetReached()
          ? `objective target ${spec.objective.target} reached`
          : state.exhausted
            ? 'search space exhausted'
            : `max_trial_count=${state.maxTrialCount} trials run`;
    this.publish();
    if (state.status === 'failed')
      throw ApplicationFailure.create({ type: 'ExperimentFailed', message: state.message, nonRetryable: true, details: [this.view()] });
    return this.view();
  }
}

/** A child's result or failure as the book records it. */
export function outcomeOf({ progress, error }: { progress?: RunProgress; error?: unknown }): TrialOutcome {
  return progress ? { progress } : { failure: { cancelled: isCancellation(error), message: messageOfFailure(error) } };
}

/** The innermost cause's message: a child's failure wraps the stage's. */
export function messageOfFailure(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(error);
}
