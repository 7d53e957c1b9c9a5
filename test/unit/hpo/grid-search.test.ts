import { describe, expect, it } from 'vitest';
import { gridValues } from '../../../core/hpo/grid-search.js';
import type { SuggestState } from '../../../core/hpo/search-algorithm.js';
import { suggest } from '../../../core/hpo/suggest.js';
import type { Assignment } from '../../../core/hpo/trial-observation.js';
import { experiment } from './tuning-benchmark.js';

const spec = experiment({
  parameters: [
    { name: 'learning_rate', type: 'double', min: 0.001, max: 0.1, log: true },
    { name: 'epochs', type: 'int', min: 1, max: 3 },
    { name: 'extras.kernel', type: 'categorical', values: ['rbf', 'linear'] },
  ],
  algorithm: { name: 'grid', settings: { steps: 3 } },
});

/** Drains the grid in batches of `batch`, as a workflow with that many free slots would. */
function drain(batch: number): { points: Assignment[]; calls: number } {
  const points: Assignment[] = [];
  let state: SuggestState | undefined;
  for (let calls = 1; calls < 100; calls++) {
    const next = suggest(spec, [], batch, state);
    points.push(...next.assignments);
    state = next.state;
    if (next.exhausted) return { points, calls };
  }
  throw new Error('grid never reported exhaustion');
}

describe('grid search', () => {
  it('enumerates the Cartesian product in odometer order, the last parameter fastest', () => {
    const expected: Assignment[] = [];
    for (const learning_rate of [0.001, 0.01, 0.1]) {
      for (const epochs of [1, 2, 3]) for (const kernel of ['rbf', 'linear']) expected.push({ learning_rate, epochs, 'extras.kernel': kernel });
    }
    expect(drain(4).points).toEqual(expected);
  });

  it('yields every point once, whatever the batch size, then reports exhaustion', () => {
    for (const batch of [1, 3, 7, 18, 50]) {
      const { points, calls } = drain(batch);
      expect(new Set(points.map((p) => JSON.stringify(p))).size).toBe(18);
      expect(points).toHaveLength(18);
      expect(calls).toBe(Math.ceil(18 / batch));
    }
  });

  it('suggests nothing more once exhausted', () => {
    const end = suggest(spec, [], 18).state;
    expect(suggest(spec, [], 5, end)).toEqual({ assignments: [], state: end, exhausted: true });
  });

  it.each([
    ['a linear double', { name: 'extras.x', type: 'double', min: 0, max: 1, log: false } as const, 5, [0, 0.25, 0.5, 0.75, 1]],
    ['a log double', { name: 'extras.x', type: 'double', min: 1, max: 1000, log: true } as const, 4, [1, 10, 100, 1000]],
    ['an int, every value', { name: 'epochs', type: 'int', min: 2, max: 5, log: false } as const, undefined, [2, 3, 4, 5]],
    ['an int with steps, deduplicated', { name: 'epochs', type: 'int', min: 1, max: 3, log: false } as const, 4, [1, 2, 3]],
    ['a log int with steps', { name: 'batch_size', type: 'int', min: 16, max: 256, log: true } as const, 5, [16, 32, 64, 128, 256]],
    ['a discrete parameter, in listed order', { name: 'extras.C', type: 'discrete', values: [10, 0.1, 1] } as const, 3, [10, 0.1, 1]],
  ])('spaces %s', (_label, parameter, steps, values) => {
    expect(gridValues(parameter as Parameters<typeof gridValues>[0], steps)).toEqual(values);
  });
});
