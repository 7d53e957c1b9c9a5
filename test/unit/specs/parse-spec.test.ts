import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SpecValidationError } from '../../../core/errors.js';
import { EnvironmentSpec } from '../../../core/specs/environment.js';
import { Hyperparameters } from '../../../core/specs/hyperparameters.js';
import { parseSpec } from '../../../core/specs/parse-spec.js';
import { MetricThreshold } from '../../../core/specs/validation-gate.js';
import { problemsOf } from './spec-problems.js';

describe('parseSpec', () => {
  it('returns the parsed value, defaults applied, when the input is valid', () => {
    expect(parseSpec(Hyperparameters, { epochs: 3 }, 'params')).toEqual({ learning_rate: 0.01, batch_size: 32, epochs: 3, seed: 42, extras: {} });
  });

  it.each([
    ['a wrong type, quoting the string it got', Hyperparameters, { learning_rate: 'abc' }, 'params', 'params.learning_rate', 'expected number, got "abc"'],
    ['a wrong type that is not a string', Hyperparameters, { epochs: true }, 'params', 'params.epochs', 'expected number, got true'],
    ['a missing required field', EnvironmentSpec, { name: 'env' }, 'environment', 'environment.python_version', 'required'],
    ['one unknown field, at the object that holds it', Hyperparameters, { lr: 0.1 }, 'params', 'params', 'unknown field "lr"'],
    ['several unknown fields in one problem', Hyperparameters, { lr: 0.1, bs: 2 }, 'params', 'params', 'unknown fields "lr", "bs"'],
    [
      'a value outside an enum, listing the choices',
      MetricThreshold,
      { metric: 'acc', direction: 'up', threshold: 1 },
      'gate',
      'gate.direction',
      'expected one of "min", "max", got "up"',
    ],
    [
      'an array element by index',
      EnvironmentSpec,
      { name: 'env', python_version: '3.11', dependencies: ['numpy', 7] },
      'environment',
      'environment.dependencies[1]',
      'expected string, got 7',
    ],
    ['a field without a root', Hyperparameters, { seed: -1 }, '', 'seed', 'Too small: expected number to be >=0 (got -1)'],
  ])('names %s', (_label, schema, input, root, path, message) => {
    expect(problemsOf(() => parseSpec(schema as z.ZodType, input, root))).toEqual([{ path, message }]);
  });

  it('puts an array index right after its parent, with no dot', () => {
    const schema = z.object({ rows: z.array(z.object({ x: z.number() })) });
    expect(problemsOf(() => parseSpec(schema, { rows: [{ x: 1 }, { x: 'no' }] }, 'table'))).toEqual([
      { path: 'table.rows[1].x', message: 'expected number, got "no"' },
    ]);
  });

  it('shortens a long string it quotes', () => {
    const [problem] = problemsOf(() => parseSpec(Hyperparameters, { learning_rate: 'x'.repeat(100) }));
    expect(problem?.message).toBe(`expected number, got "${'x'.repeat(57)}..."`);
  });

  it('describes objects and arrays by kind rather than dumping them', () => {
    expect(problemsOf(() => parseSpec(Hyperparameters, { epochs: { n: 1 } }))[0]?.message).toBe('expected number, got an object');
    expect(problemsOf(() => parseSpec(Hyperparameters, { epochs: [1] }))[0]?.message).toBe('expected number, got an array');
  });

  it('reports every problem at once, and joins them into the error message', () => {
    let error: unknown;
    try {
      parseSpec(Hyperparameters, { learning_rate: 'abc', epochs: 0 }, 'params');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpecValidationError);
    expect((error as SpecValidationError).problems.map((p) => p.path)).toEqual(['params.learning_rate', 'params.epochs']);
    expect((error as Error).message).toMatch(/^params\.learning_rate: expected number, got "abc"; params\.epochs: /);
  });
});
