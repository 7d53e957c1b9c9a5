import { describe, expect, it } from 'vitest';
import { suggest } from '../../../core/hpo/suggest.js';
import type { TrialObservation } from '../../../core/hpo/trial-observation.js';
import { experiment, quadratic2d, sphere4d, tune } from './tuning-benchmark.js';

const SEEDS = Array.from({ length: 10 }, (_, i) => i + 1);
const BUDGET = 30;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Best value found by random search and by TPE for each seed, same budget. */
function compare(problem: typeof quadratic2d, noise: number) {
  const run = (name: 'random' | 'tpe', seed: number) =>
    tune(experiment({ parameters: problem.parameters, algorithm: { name }, seed }), problem.value, BUDGET, noise).best;
  const random = SEEDS.map((seed) => run('random', seed));
  const tpe = SEEDS.map((seed) => run('tpe', seed));
  return { random, tpe, tpeWins: SEEDS.filter((_, i) => tpe[i]! < random[i]!).length };
}

describe('TPE beats random search on the same budget', () => {
  it.each([
    ['a 2-D quadratic', quadratic2d, 0],
    ['a noisy 4-D shifted sphere (log double, two doubles, an int; noise sd 0.5)', sphere4d, 0.5],
  ])('on %s, on average and in most of 10 seeds', (_label, problem, noise) => {
    const { random, tpe, tpeWins } = compare(problem, noise);
    console.log(
      `${_label}: mean best over ${SEEDS.length} seeds, ${BUDGET} trials: random ${mean(random).toFixed(3)}, tpe ${mean(tpe).toFixed(3)}; TPE better in ${tpeWins}`,
    );
    expect(mean(tpe)).toBeLessThan(mean(random) / 2);
    expect(tpeWins).toBeGreaterThanOrEqual(7);
  });
});

describe('TPE model', () => {
  const spec = experiment({ parameters: quadratic2d.parameters, algorithm: { name: 'tpe', settings: { n_startup: 5 } } });
  const observe = (x: number, y: number, status: TrialObservation['status'] = 'succeeded'): TrialObservation => ({
    assignment: { 'extras.x': x, 'extras.y': y },
    status,
    objective: quadratic2d.value({ 'extras.x': x, 'extras.y': y }),
  });

  it('samples at random until n_startup trials have an objective', () => {
    const history = [observe(0, 0), observe(1, 1), observe(2, 2), observe(3, 3, 'failed'), observe(4, 4, 'running')];
    const random = experiment({ parameters: quadratic2d.parameters, algorithm: { name: 'random' } });
    expect(suggest(spec, history, 3, { suggested: 5 }).assignments).toEqual(suggest(random, history, 3, { suggested: 5 }).assignments);
  });

  // Two observations near the minimum (1, −2); the two largest values at (±4, 4).
  const history = [observe(1, -2), observe(1.2, -1.8), observe(-4, 4), observe(4, 4), observe(-4, -4), observe(4, -4.5), observe(-3, 2), observe(3, 3)];

  it('concentrates suggestions near the best observations once the model is fitted', () => {
    const { assignments } = suggest(spec, history, 20, { suggested: history.length });
    expect(assignments.filter((a) => quadratic2d.value(a) < 4).length).toBeGreaterThanOrEqual(12);
  });

  it('looks near the largest values when the goal is maximize', () => {
    const maximize = experiment({
      parameters: quadratic2d.parameters,
      algorithm: { name: 'tpe', settings: { n_startup: 5 } },
      objective: { metric: 'acc', goal: 'maximize' },
    });
    const { assignments } = suggest(maximize, history, 20, { suggested: history.length });
    expect(assignments.filter((a) => (a['extras.y'] as number) > 2).length).toBeGreaterThanOrEqual(15);
  });

  it('counts early-stopped trials as bad, steering away from them', () => {
    const stoppedNearBest = [0.5, 1, 1.5].map((x) => observe(x, -2, 'early_stopped'));
    const nearBest = (trials: readonly TrialObservation[]) =>
      suggest(spec, trials, 20, { suggested: 11 }).assignments.filter(
        (a) => Math.abs((a['extras.x'] as number) - 1) < 1 && Math.abs((a['extras.y'] as number) + 2) < 0.5,
      ).length;
    expect(nearBest([...history, ...stoppedNearBest])).toBeLessThan(nearBest(history));
  });
});
