import { describe, expect, it } from 'vitest';
import { hyperbandPlan } from '../../../core/hpo/hyperband.js';
import type { SuggestState } from '../../../core/hpo/search-algorithm.js';
import { suggest } from '../../../core/hpo/suggest.js';
import type { TrialObservation } from '../../../core/hpo/trial-observation.js';
import { experiment } from './tuning-benchmark.js';

describe('hyperbandPlan', () => {
  it('matches Li et al. 2018, Table 1, for R = 81 and eta = 3', () => {
    const table = hyperbandPlan(81, 3).map(({ s, rungs }) => [s, rungs.map(({ n, r }) => [n, r])]);
    expect(table).toEqual([
      [
        4,
        [
          [81, 1],
          [27, 3],
          [9, 9],
          [3, 27],
          [1, 81],
        ],
      ],
      [
        3,
        [
          [34, 3],
          [11, 9],
          [3, 27],
          [1, 81],
        ],
      ],
      [
        2,
        [
          [15, 9],
          [5, 27],
          [1, 81],
        ],
      ],
      [
        1,
        [
          [8, 27],
          [2, 81],
        ],
      ],
      [0, [[5, 81]]],
    ]);
  });

  it.each([
    [1, 3, [[0, [[1, 1]]]]],
    [
      9,
      3,
      [
        [
          2,
          [
            [9, 1],
            [3, 3],
            [1, 9],
          ],
        ],
        [
          1,
          [
            [5, 3],
            [1, 9],
          ],
        ],
        [0, [[3, 9]]],
      ],
    ],
    [
      8,
      2,
      [
        [
          3,
          [
            [8, 1],
            [4, 2],
            [2, 4],
            [1, 8],
          ],
        ],
        [
          2,
          [
            [6, 2],
            [3, 4],
            [1, 8],
          ],
        ],
        [
          1,
          [
            [4, 4],
            [2, 8],
          ],
        ],
        [0, [[4, 8]]],
      ],
    ],
  ])('plans R = %i, eta = %i', (R, eta, expected) => {
    expect(hyperbandPlan(R, eta).map(({ s, rungs }) => [s, rungs.map(({ n, r }) => [n, r])])).toEqual(expected);
  });

  it('drops the brackets whose smallest resource would be below r_min', () => {
    expect(hyperbandPlan(27, 3, 8).map(({ s, rungs }) => [s, rungs.map(({ n, r }) => [n, r])])).toEqual([
      [
        1,
        [
          [3, 9],
          [1, 27],
        ],
      ],
      [0, [[2, 27]]],
    ]);
    expect(hyperbandPlan(81, 3, 1)).toEqual(hyperbandPlan(81, 3));
  });
});

describe('hyperband suggestions', () => {
  const spec = experiment({
    parameters: [
      { name: 'extras.x', type: 'double', min: 0, max: 1 },
      { name: 'epochs', type: 'int', min: 1, max: 9 },
    ],
    algorithm: { name: 'hyperband', settings: { resource_parameter: 'epochs', eta: 3 } },
    objective: { metric: 'accuracy', goal: 'maximize' },
    parallel_trial_count: 4,
    max_trial_count: 100,
  });
  // Accuracy is x itself, so the ranking of every rung is known.
  const score = (x: number) => x;

  /** Runs the experiment like the workflow: fill free slots, finish the oldest trial, repeat. */
  function run(fails: (x: number) => boolean = () => false) {
    const history: TrialObservation[] = [];
    const waits = new Set<number>();
    let state: SuggestState | undefined;
    for (let round = 0; round < 200; round++) {
      const running = history.filter((t) => t.status === 'running').length;
      const next = suggest(spec, history, 4 - running, state);
      state = next.state;
      history.push(...next.assignments.map((assignment) => ({ assignment, status: 'running' as const })));
      if (next.assignments.length === 0 && running > 0 && !next.exhausted) waits.add(history.length);
      const oldest = history.findIndex((t) => t.status === 'running');
      if (oldest < 0) return { history, waits: [...waits], exhausted: next.exhausted };
      const x = history[oldest]!.assignment['extras.x'] as number;
      history[oldest] = fails(x) ? { ...history[oldest]!, status: 'failed' } : { ...history[oldest]!, status: 'succeeded', objective: score(x) };
    }
    throw new Error('hyperband never finished');
  }
  const xs = (trials: readonly TrialObservation[]) => trials.map((t) => t.assignment['extras.x'] as number);
  const best = (trials: readonly TrialObservation[], n: number) =>
    [...trials]
      .filter((t) => t.status === 'succeeded')
      .sort((a, b) => b.objective! - a.objective!)
      .slice(0, n);

  it('runs every rung of every bracket for R = 9, eta = 3, then is exhausted', () => {
    const { history, exhausted } = run();
    expect(exhausted).toBe(true);
    // Brackets s = 2 (9@1, 3@3, 1@9), s = 1 (5@3, 1@9), s = 0 (3@9).
    expect(history.map((t) => t.assignment.epochs)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 9, 3, 3, 3, 3, 3, 9, 9, 9, 9]);
    expect(new Set(xs(history.slice(0, 9))).size).toBe(9);
  });

  it('promotes the best 1/eta of each rung with eta times the resource', () => {
    const { history } = run();
    expect(history.slice(9, 12).map((t) => t.assignment)).toEqual(best(history.slice(0, 9), 3).map((t) => ({ ...t.assignment, epochs: 3 })));
    expect(history[12]!.assignment).toEqual({ ...best(history.slice(9, 12), 1)[0]!.assignment, epochs: 9 });
    expect(history[18]!.assignment).toEqual({ ...best(history.slice(13, 18), 1)[0]!.assignment, epochs: 9 });
  });

  it("waits only for rungs that promote, never for a bracket's last rung", () => {
    expect(run().waits).toEqual([9, 12, 18]);
  });

  it('never promotes a failed trial', () => {
    const fails = (x: number) => x > 0.6;
    const { history } = run(fails);
    expect(history.slice(0, 9).some((t) => t.status === 'failed')).toBe(true);
    const promoted = [...history.slice(9, 13), history[18]!];
    expect(xs(promoted).filter(fails)).toEqual([]);
    expect(history.slice(9, 12).map((t) => t.assignment)).toEqual(best(history.slice(0, 9), 3).map((t) => ({ ...t.assignment, epochs: 3 })));
  });
});
