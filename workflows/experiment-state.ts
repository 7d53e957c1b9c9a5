import { bestObservation, type Assignment, type TrialObservation, type TrialStatus } from '../core/hpo/trial-observation.js';
import type { SuggestState } from '../core/hpo/search-algorithm.js';
import type { ExperimentSpec } from '../core/specs/experiment.js';
import type { Hyperparameters } from '../core/specs/hyperparameters.js';
import type { PipelineInput } from './pipeline-input.js';

/** One trial in the experiment's record: its run, parameters and outcome. */
export interface TrialRecord {
  index: number;
  /** The trial's pipeline run (and child workflow) id. */
  runId: string;
  assignment: Assignment;
  status: TrialStatus | 'cancelled';
  /** The objective's final value (succeeded), or the last one reported (early stopped). */
  objective?: number;
  /** Why it failed or was stopped, in words. */
  reason?: string;
  startedAt: string;
  finishedAt?: string;
}

export type ExperimentStatus = 'running' | 'succeeded' | 'failed' | 'stopped';

/** Everything the experiment has learned: carried across continue-as-new and into an extension. */
export interface ExperimentState {
  trials: TrialRecord[];
  suggest: SuggestState;
  maxTrialCount: number;
  exhausted: boolean;
  status: ExperimentStatus;
  /** Why it ended: budget used, target reached, too many failures, stopped. */
  message?: string;
  /** Running trials the median rule is stopping when the run continues as new, by index: the next run records them so. */
  stopping?: Record<string, { objective?: number; reason: string }>;
}

export interface ExperimentInput {
  experimentId: string;
  spec: ExperimentSpec;
  /** The project's run, resolved by the API: each trial changes only its params. */
  base: Omit<PipelineInput, 'runId' | 'trial' | 'resume'>;
  state?: ExperimentState;
  /**
   * Continue as new after this many trials ended in one run (default: only when Temporal
   * suggests it, as history grows). Keeps each run's history short; tests use a small value.
   */
  continueAsNewAfterTrials?: number;
}

/** What `status` queries and the API show: the state plus the best trial. */
export interface ExperimentView extends ExperimentState {
  experimentId: string;
  name: string;
  objective: ExperimentSpec['objective'];
  parallelTrialCount: number;
  best?: TrialRecord;
}

export function initialState(spec: ExperimentSpec): ExperimentState {
  return { trials: [], suggest: { suggested: 0 }, maxTrialCount: spec.max_trial_count, exhausted: false, status: 'running' };
}

export function observations(trials: readonly TrialRecord[]): TrialObservation[] {
  return trials.map((t) => ({
    assignment: t.assignment,
    status: t.status === 'cancelled' ? 'failed' : t.status,
    ...(t.objective === undefined ? {} : { objective: t.objective }),
  }));
}

export function bestTrial(spec: ExperimentSpec, trials: readonly TrialRecord[]): TrialRecord | undefined {
  const best = bestObservation(spec.objective, observations(trials));
  return best && trials.find((t) => t.assignment === best.assignment);
}

export function countByStatus(trials: readonly TrialRecord[], status: TrialRecord['status']): number {
  return trials.filter((t) => t.status === status).length;
}

/** The project's params with a trial's assignment applied (`extras.x` into extras). Types were checked by the API. */
export function paramsForTrial(base: Hyperparameters, assignment: Assignment): Hyperparameters {
  const params: Record<string, unknown> = { ...base, extras: { ...base.extras } };
  for (const [path, value] of Object.entries(assignment)) {
    if (path.startsWith('extras.')) (params.extras as Record<string, unknown>)[path.slice('extras.'.length)] = value;
    else params[path] = value;
  }
  return params as Hyperparameters;
}

export function trialRunId(experimentId: string, index: number): string {
  return `${experimentId}-trial-${index}`;
}

export function describeAssignment(assignment: Assignment): string {
  return Object.entries(assignment)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(4)) : v}`)
    .join(' ');
}
