import { suggestionRandom } from './random-streams.js';
import type { SearchAlgorithm } from './search-algorithm.js';

/** Random search: each suggestion is a uniform point of the encoded space, drawn from its own stream. */
export const randomSearch: SearchAlgorithm = {
  suggest({ spec, space, count, state }) {
    const assignments = Array.from({ length: Math.max(0, count) }, (_, i) => space.decode(space.sample(suggestionRandom(spec.seed, state.suggested + i))));
    return { assignments, state: { ...state, suggested: state.suggested + assignments.length }, exhausted: false };
  },
};
