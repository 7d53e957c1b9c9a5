import type { RandomSource } from '../datasets/seeded-random.js';
import { categoricalParzen, numericParzen, type ParzenEstimator } from './parzen.js';
import { suggestionRandom } from './random-streams.js';
import { randomSearch } from './random-search.js';
import type { SearchAlgorithm, SuggestInput } from './search-algorithm.js';
import type { SearchSpace } from './search-space.js';
import { lossOf } from './trial-observation.js';

export interface TpeSettings {
  n_startup: number;
  gamma: number;
  candidates: number;
}
const DEFAULTS: TpeSettings = { n_startup: 10, gamma: 0.25, candidates: 24 };

/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011). The observations are split at the
 * gamma quantile of the loss into good and bad; per axis, l(x) is fitted to the good and g(x)
 * to the bad. Candidates are drawn from l and the one maximising l(x)/g(x) — which maximises
 * expected improvement under that model — is suggested. Kiln's parameters are never
 * conditional, so the "tree" is flat: one independent estimator per axis.
 */
export const tpeSearch: SearchAlgorithm = {
  suggest(input) {
    const { spec, space, count, state } = input;
    const settings = spec.algorithm.name === 'tpe' ? spec.algorithm.settings : DEFAULTS;
    const model = fitModel(input, settings);
    if (!model) return randomSearch.suggest(input);
    const assignments = Array.from({ length: Math.max(0, count) }, (_, i) =>
      space.decode(bestCandidate(model, settings.candidates, suggestionRandom(spec.seed, state.suggested + i))),
    );
    return { assignments, state: { ...state, suggested: state.suggested + assignments.length }, exhausted: false };
  },
};

interface Model {
  good: ParzenEstimator[];
  bad: ParzenEstimator[];
}

/** The good/bad densities, or undefined while fewer than n_startup trials have an objective. */
function fitModel({ spec, space, history }: SuggestInput, settings: TpeSettings): Model | undefined {
  const scored = history
    .flatMap((t, index) =>
      t.status === 'succeeded' && t.objective !== undefined && Number.isFinite(t.objective)
        ? [{ t, index, loss: lossOf(spec.objective.goal, t.objective) }]
        : [],
    )
    .sort((a, b) => a.loss - b.loss || a.index - b.index);
  if (scored.length < settings.n_startup) return undefined;
  const nGood = Math.max(1, Math.ceil(settings.gamma * scored.length));
  const good = scored.slice(0, nGood).map(({ t }) => space.encode(t.assignment));
  // Stopped trials were stopped for trailing the median, so they teach where not to look.
  const stopped = history.filter((t) => t.status === 'early_stopped').map((t) => space.encode(t.assignment));
  const bad = [...scored.slice(nGood).map(({ t }) => space.encode(t.assignment)), ...stopped];
  return { good: estimators(space, good), bad: estimators(space, bad) };
}

function estimators(space: SearchSpace, points: readonly number[][]): ParzenEstimator[] {
  return space.dimensions.map((dim, d) => {
    const axis = points.map((p) => p[d]!);
    return dim.choices === undefined ? numericParzen(axis) : categoricalParzen(axis, dim.choices);
  });
}

/** Draws candidates from l(x) and keeps the first with the largest log l(x) − log g(x). */
function bestCandidate(model: Model, candidates: number, random: RandomSource): number[] {
  let best: number[] = [];
  let bestScore = -Infinity;
  for (let c = 0; c < candidates; c++) {
    const x = model.good.map((l) => l.sample(random));
    const score = x.reduce((sum, u, d) => sum + model.good[d]!.logDensity(u) - model.bad[d]!.logDensity(u), 0);
    if (score > bestScore) [best, bestScore] = [x, score];
  }
  return best;
}
