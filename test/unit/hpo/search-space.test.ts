import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../core/datasets/seeded-random.js';
import { searchSpace } from '../../../core/hpo/search-space.js';
import type { ExperimentParameter } from '../../../core/specs/experiment.js';

const parameters: ExperimentParameter[] = [
  { name: 'learning_rate', type: 'double', min: 1e-4, max: 1, log: true },
  { name: 'extras.momentum', type: 'double', min: 0, max: 0.9, log: false },
  { name: 'batch_size', type: 'int', min: 16, max: 512, log: true },
  { name: 'epochs', type: 'int', min: 1, max: 5, log: false },
  { name: 'extras.kernel', type: 'categorical', values: ['rbf', 'linear', 'poly'] },
  { name: 'extras.C', type: 'discrete', values: [0.1, 1, 10] },
];
const space = searchSpace(parameters);

describe('search space encoding', () => {
  it('maps each parameter to one axis, naming the choices of categorical and discrete ones', () => {
    expect(space.dimensions).toEqual([
      { name: 'learning_rate' },
      { name: 'extras.momentum' },
      { name: 'batch_size' },
      { name: 'epochs' },
      { name: 'extras.kernel', choices: 3 },
      { name: 'extras.C', choices: 3 },
    ]);
  });

  it('places log-scale values by their logarithm', () => {
    const [lr] = space.encode({ learning_rate: 1e-2, 'extras.momentum': 0, batch_size: 16, epochs: 1, 'extras.kernel': 'rbf', 'extras.C': 1 });
    expect(lr).toBeCloseTo(0.5, 12);
  });

  it('gives every integer an equal share of its axis', () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 5000; i++) {
      const epochs = String(space.decode([0, 0, 0, (i + 0.5) / 5000, 0, 0]).epochs);
      counts[epochs] = (counts[epochs] ?? 0) + 1;
    }
    expect(counts).toEqual({ 1: 1000, 2: 1000, 3: 1000, 4: 1000, 5: 1000 });
  });

  it('decodes the cube corners to the range ends exactly and choices to the first and last value', () => {
    expect(space.decode([0, 0, 0, 0, 0, 0])).toEqual({
      learning_rate: 1e-4,
      'extras.momentum': 0,
      batch_size: 16,
      epochs: 1,
      'extras.kernel': 'rbf',
      'extras.C': 0.1,
    });
    expect(space.decode([1, 1, 1, 1, 1, 1])).toEqual({
      learning_rate: 1,
      'extras.momentum': 0.9,
      batch_size: 512,
      epochs: 5,
      'extras.kernel': 'poly',
      'extras.C': 10,
    });
  });

  it('clamps points outside the cube', () => {
    expect(space.decode([-3, 7, -1, 2, -0.5, 1.5])).toEqual(space.decode([0, 1, 0, 1, 0, 1]));
  });
});

describe('search space round trip', () => {
  it.each([1, 2, 3, 4, 5])('decode(encode(a)) = a for random assignments (seed %i)', (seed) => {
    const random = seededRandom(seed);
    for (let i = 0; i < 200; i++) {
      const assignment = space.decode(space.sample(random));
      const again = space.decode(space.encode(assignment));
      expect(again.batch_size).toBe(assignment.batch_size);
      expect(again.epochs).toBe(assignment.epochs);
      expect(again['extras.kernel']).toBe(assignment['extras.kernel']);
      expect(again['extras.C']).toBe(assignment['extras.C']);
      expect(again.learning_rate as number).toBeCloseTo(assignment.learning_rate as number, 12);
      expect(again['extras.momentum'] as number).toBeCloseTo(assignment['extras.momentum'] as number, 12);
    }
  });

  it('keeps ints integral and every value inside its range', () => {
    const random = seededRandom(9);
    for (let i = 0; i < 500; i++) {
      const a = space.decode(space.sample(random));
      expect(Number.isInteger(a.batch_size) && (a.batch_size as number) >= 16 && (a.batch_size as number) <= 512).toBe(true);
      expect((a.learning_rate as number) >= 1e-4 && (a.learning_rate as number) <= 1).toBe(true);
    }
  });

  it('rejects a value the parameter cannot take', () => {
    expect(() => space.encode({ learning_rate: 0.1, 'extras.momentum': 0, batch_size: 16, epochs: 1, 'extras.kernel': 'sigmoid', 'extras.C': 1 })).toThrow(
      'extras.kernel: "sigmoid" is not one of its values',
    );
  });
});
