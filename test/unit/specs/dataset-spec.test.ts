import { describe, expect, it } from 'vitest';
import { DatasetSpec } from '../../../core/specs/dataset.js';
import { parseSpec } from '../../../core/specs/parse-spec.js';
import { problemsOf } from './spec-problems.js';

const minimal = { name: 'iris', path: 'data/iris.csv', target_column: 'species' };
const parse = (input: unknown) => parseSpec(DatasetSpec, input, 'dataset');

describe('DatasetSpec', () => {
  it('defaults to a stratified 80/20 split with seed 0', () => {
    expect(parse(minimal)).toEqual({ ...minimal, split: { test_fraction: 0.2, seed: 0, stratify: true } });
  });

  it('fills the rest of a partially given split', () => {
    expect(parse({ ...minimal, split: { test_fraction: 0.3 } }).split).toEqual({ test_fraction: 0.3, seed: 0, stratify: true });
  });

  it.each([
    ['split.test_fraction', { split: { test_fraction: 0 } }],
    ['split.test_fraction', { split: { test_fraction: 1 } }],
    ['split.seed', { split: { seed: -1 } }],
    ['split.seed', { split: { seed: 0.5 } }],
    ['path', { path: '' }],
    ['target_column', { target_column: '' }],
    ['name', { name: 'Iris Data' }],
  ])('rejects a bad %s', (field, change) => {
    expect(problemsOf(() => parse({ ...minimal, ...change })).map((p) => p.path)).toEqual([`dataset.${field}`]);
  });

  it.each([
    ['the dataset', { ...minimal, format: 'csv' }, 'dataset', 'unknown field "format"'],
    ['the split', { ...minimal, split: { shuffle: true } }, 'dataset.split', 'unknown field "shuffle"'],
  ])('rejects an unknown field in %s', (_label, input, path, message) => {
    expect(problemsOf(() => parse(input))).toEqual([{ path, message }]);
  });

  it('requires path and target_column', () => {
    expect(problemsOf(() => parse({ name: 'iris' }))).toEqual([
      { path: 'dataset.path', message: 'required' },
      { path: 'dataset.target_column', message: 'required' },
    ]);
  });
});
