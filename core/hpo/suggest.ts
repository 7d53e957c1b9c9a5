import type { AlgorithmName, ExperimentSpec } from '../specs/experiment.js';
import { gridSearch } from './grid-search.js';
import { hyperbandSearch } from './hyperband.js';
import { randomSearch } from './random-search.js';
import type { SearchAlgorithm, SuggestState, Suggestions } from './search-algorithm.js';
import { searchSpace } from './search-space.js';
import { tpeSearch } from './tpe-search.js';
import type { TrialObservation } from './trial-observation.js';

/** The one place an algorithm name becomes an implementation. */
const ALGORITHMS: Readonly<Record<AlgorithmName, SearchAlgorithm>> = {
  grid: gridSearch,
  random: randomSearch,
  tpe: tpeSearch,
  hyperband: hyperbandSearch,
};

export function searchAlgorithm(name: AlgorithmName): SearchAlgorithm {
  return ALGORITHMS[name];
}

/** The state before an experiment's first suggestion. */
export function initialSuggestState(): SuggestState {
  return { suggested: 0 };
}

/**
 * Up to `count` new trial assignments for `spec`'s algorithm, given every trial so far (in
 * suggestion order) and the state the previous call returned. Pure: the same arguments give
 * the same suggestions, so a workflow may call it and be replayed.
 */
export function suggest(spec: ExperimentSpec, history: readonly TrialObservation[], count: number, state: SuggestState = initialSuggestState()): Suggestions {
  return searchAlgorithm(spec.algorithm.name).suggest({ spec, space: searchSpace(spec.parameters), history, count, state });
}
