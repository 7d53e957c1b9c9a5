import { describe, expect, it } from 'vitest';
import { HyperparameterOverrides, Hyperparameters } from '../../../core/specs/hyperparameters.js';
import { parseSpec } from '../../../core/specs/parse-spec.js';
import { problemsOf } from './spec-problems.js';

describe('Hyperparameters', () => {
  it('defaults every shared parameter and has no extras', () => {
    expect(Hyperparameters.parse({})).toEqual({ learning_rate: 0.01, batch_size: 32, epochs: 10, seed: 42, extras: {} });
  });

  it('keeps number, string and boolean extras', () => {
    expect(Hyperparameters.parse({ extras: { C: 0.5, penalty: 'l2', fit_intercept: true } }).extras).toEqual({ C: 0.5, penalty: 'l2', fit_intercept: true });
  });

  it.each([
    ['learning_rate', 0],
    ['learning_rate', -0.1],
    ['batch_size', 0],
    ['batch_size', 8.5],
    ['epochs', 0],
    ['seed', -1],
    ['seed', 1.2],
  ])('rejects %s = %d', (field, value) => {
    expect(problemsOf(() => parseSpec(Hyperparameters, { [field]: value }, 'params')).map((p) => p.path)).toEqual([`params.${field}`]);
  });

  it.each([
    ['an object value', { nested: { a: 1 } }, 'params.extras.nested'],
    ['an array value', { layers: [1, 2] }, 'params.extras.layers'],
    ['null', { dropout: null }, 'params.extras.dropout'],
  ])('rejects an extra holding %s', (_label, extras, path) => {
    expect(problemsOf(() => parseSpec(Hyperparameters, { extras }, 'params')).map((p) => p.path)).toEqual([path]);
  });

  it.each(['1st', 'max-depth', 'with space'])('rejects the extra name %j, which is not an identifier', (name) => {
    expect(problemsOf(() => parseSpec(Hyperparameters, { extras: { [name]: 1 } }, 'params'))[0]?.path).toMatch(/^params\.extras/);
  });
});

describe('HyperparameterOverrides', () => {
  it('accepts any subset of the parameters, with no defaults filled in', () => {
    expect(HyperparameterOverrides.parse({})).toEqual({});
    expect(HyperparameterOverrides.parse({ epochs: 2 })).toEqual({ epochs: 2 });
  });

  it('applies the same bounds as Hyperparameters', () => {
    expect(problemsOf(() => parseSpec(HyperparameterOverrides, { learning_rate: 0 }, 'params')).map((p) => p.path)).toEqual(['params.learning_rate']);
  });

  it('rejects an unknown parameter', () => {
    expect(problemsOf(() => parseSpec(HyperparameterOverrides, { momentum: 0.9 }, 'params'))).toEqual([
      { path: 'params', message: 'unknown field "momentum"' },
    ]);
  });
});
