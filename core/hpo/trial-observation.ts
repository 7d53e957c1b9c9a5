import type { ExperimentSpec } from '../specs/experiment.js';

/** A parameter's value in one trial: a number, or a categorical parameter's string. */
export type ParamValue = number | string;

/** One trial's parameters, keyed by parameter path (`learning_rate`, `extras.C`). */
export type Assignment = Readonly<Record<string, ParamValue>>;

export type TrialStatus = 'succeeded' | 'failed' | 'early_stopped' | 'running';

/** What the algorithms learn from one trial. */
export interface TrialObservation {
  readonly assignment: Assignment;
  readonly status: TrialStatus;
  /** The objective metric's final value (succeeded) or last reported value (early_stopped). */
  readonly objective?: number;
}

export type Objective = ExperimentSpec['objective'];

/** The objective as a loss: smaller is better whatever the goal, so algorithms never branch on it. */
export function lossOf(goal: Objective['goal'], value: number): number {
  return goal === 'maximize' ? -value : value;
}

/** The succeeded trial with the best objective (earliest on ties), or undefined when none succeeded. */
export function bestObservation(objective: Objective, history: readonly TrialObservation[]): TrialObservation | undefined {
  let best: TrialObservation | undefined;
  for (const trial of history) {
    if (trial.status !== 'succeeded' || trial.objective === undefined || !Number.isFinite(trial.objective)) continue;
    if (!best || lossOf(objective.goal, trial.objective) < lossOf(objective.goal, best.objective!)) best = trial;
  }
  return best;
}

/** Whether `value` reaches the objective's target (per goal); never when there is no target. */
export function reachesTarget(objective: Objective, value: number): boolean {
  if (objective.target === undefined) return false;
  return lossOf(objective.goal, value) <= lossOf(objective.goal, objective.target);
}
