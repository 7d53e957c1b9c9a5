import type { ExperimentSpec } from '../specs/experiment.js';
import type { SearchSpace } from './search-space.js';
import type { Assignment, TrialObservation } from './trial-observation.js';

/** Where Hyperband is in its plan; kept between calls because the rung a trial belongs to is not in its result. */
export interface HyperbandState {
  /** Index into `hyperbandPlan(...)` (0 = the most exploratory bracket). */
  readonly bracket: number;
  readonly rung: number;
  /** Suggestion index of the rung's first trial; its trials are history[start, start + size). */
  readonly start: number;
  /** Trials in this rung: the plan's n for rung 0, the promoted configurations after. */
  readonly size: number;
  /** Trials of this rung suggested so far. */
  readonly issued: number;
  /** The configurations promoted into this rung (resource already raised); empty on rung 0. */
  readonly promoted: readonly Assignment[];
}

/**
 * Everything a suggestion depends on besides the spec and the history: plain JSON, so a
 * workflow can carry it across continue-as-new. Start from `initialSuggestState()`.
 */
export interface SuggestState {
  /** Suggestions made so far; suggestion i draws from its own stream seeded by (spec.seed, i). */
  readonly suggested: number;
  /** Hyperband's position; absent for the other algorithms. */
  readonly hyperband?: HyperbandState;
}

export interface SuggestInput {
  readonly spec: ExperimentSpec;
  readonly space: SearchSpace;
  /**
   * Every trial suggested so far, in the order suggested (history[i] came from suggestion i);
   * trials not yet recorded may be missing from the end.
   */
  readonly history: readonly TrialObservation[];
  /** The most assignments wanted now (free trial slots); fewer may come back. */
  readonly count: number;
  readonly state: SuggestState;
}

export interface Suggestions {
  readonly assignments: Assignment[];
  readonly state: SuggestState;
  /** No further assignment will ever come (grid enumerated, Hyperband's last rung issued). */
  readonly exhausted: boolean;
}

/**
 * A search algorithm: pure and deterministic (same input, same output), so it may run inside
 * a workflow and be replayed. It may return fewer than `count` assignments, even none, when
 * it waits for running trials (Hyperband between rungs).
 */
export interface SearchAlgorithm {
  suggest(input: SuggestInput): Suggestions;
}
