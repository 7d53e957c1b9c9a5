import { describe, expect, it } from 'vitest';
import { ExperimentSpec, type ExperimentSpecInput } from '../../../core/specs/experiment.js';
import { parseSpec } from '../../../core/specs/parse-spec.js';
import { problemsOf } from '../specs/spec-problems.js';

const minimal: ExperimentSpecInput = {
  name: 'tune-cancer',
  project: 'breast-cancer',
  objective: { metric: 'accuracy', goal: 'maximize' },
  parameters: [{ name: 'learning_rate', type: 'double', min: 0.001, max: 0.1, log: true }],
  algorithm: { name: 'random' },
};
const parse = (input: unknown) => parseSpec(ExperimentSpec, input, 'experiment');
const withParams = (...parameters: unknown[]) => ({ ...minimal, parameters });
const problems = (input: unknown) => problemsOf(() => parse(input));

describe('ExperimentSpec defaults', () => {
  it('fills trial counts, seed and algorithm settings', () => {
    expect(parse(minimal)).toEqual({
      ...minimal,
      algorithm: { name: 'random', settings: {} },
      parallel_trial_count: 3,
      max_trial_count: 12,
      max_failed_trial_count: 3,
      seed: 1,
    });
  });

  it('fills TPE settings and median-stop defaults', () => {
    const spec = parse({ ...minimal, algorithm: { name: 'tpe', settings: { gamma: 0.2 } }, early_stopping: { algorithm: 'medianstop' } });
    expect(spec.algorithm).toEqual({ name: 'tpe', settings: { n_startup: 10, gamma: 0.2, candidates: 24 } });
    expect(spec.early_stopping).toEqual({ algorithm: 'medianstop', min_trials_required: 3, start_step: 1 });
  });

  it('accepts every parameter type and extras paths', () => {
    const parameters = [
      { name: 'batch_size', type: 'int', min: 16, max: 256, log: true },
      { name: 'extras.kernel', type: 'categorical', values: ['rbf', 'linear'] },
      { name: 'extras.C', type: 'discrete', values: [0.1, 1, 10] },
      { name: 'epochs', type: 'discrete', values: [5, 10] },
    ];
    expect(parse(withParams(...parameters)).parameters).toEqual([parameters[0], ...parameters.slice(1)]);
  });
});

describe('ExperimentSpec errors name the field', () => {
  it.each([
    ['an empty range', withParams({ name: 'extras.x', type: 'double', min: 1, max: 1 }), 'experiment.parameters[0].max', 'must be greater than min 1 (got 1)'],
    ['an inverted range', withParams({ name: 'extras.x', type: 'int', min: 5, max: 2 }), 'experiment.parameters[0].max', 'must be greater than min 5 (got 2)'],
    [
      'a log scale from 0',
      withParams({ name: 'extras.x', type: 'double', min: 0, max: 1, log: true }),
      'experiment.parameters[0].min',
      'must be positive on a log scale (got 0)',
    ],
    [
      'parallel above max',
      { ...minimal, parallel_trial_count: 5, max_trial_count: 4 },
      'experiment.parallel_trial_count',
      'must be at most max_trial_count (4) (got 5)',
    ],
    [
      'a bad parameter path',
      withParams({ name: 'momentum', type: 'double', min: 0, max: 1 }),
      'experiment.parameters[0].name',
      'must be learning_rate, batch_size, epochs, seed or extras.<name> (got "momentum")',
    ],
    [
      'a float batch size',
      withParams({ name: 'batch_size', type: 'double', min: 1, max: 8 }),
      'experiment.parameters[0].type',
      'batch_size takes integers: use int or discrete (got "double")',
    ],
    [
      'a learning rate from 0',
      withParams({ name: 'learning_rate', type: 'double', min: 0, max: 1 }),
      'experiment.parameters[0].min',
      'learning_rate must be greater than 0 (got 0)',
    ],
    [
      'repeated values',
      withParams({ name: 'extras.k', type: 'categorical', values: ['a', 'a'] }),
      'experiment.parameters[0].values',
      'must not repeat a value (got an array)',
    ],
  ])('rejects %s', (_label, input, path, message) => {
    expect(problems(input)).toEqual([{ path, message }]);
  });

  it('rejects an unknown algorithm, listing the known ones', () => {
    expect(problems({ ...minimal, algorithm: { name: 'bayesianoptimization' } })).toEqual([
      { path: 'experiment.algorithm.name', message: 'expected one of "grid", "random", "tpe", "hyperband", got "bayesianoptimization"' },
    ]);
  });

  it('rejects an unknown parameter type', () => {
    expect(problems(withParams({ name: 'extras.x', type: 'float', min: 0, max: 1 }))).toEqual([
      { path: 'experiment.parameters[0].type', message: 'expected one of "double", "int", "categorical", "discrete", got "float"' },
    ]);
  });

  it('rejects a duplicate parameter name', () => {
    const x = { name: 'extras.x', type: 'double', min: 0, max: 1 };
    expect(problems(withParams(x, { ...x, type: 'int' }))).toEqual([
      { path: 'experiment.parameters[1].name', message: 'duplicate of parameters[0] (got "extras.x")' },
    ]);
  });

  it('rejects unknown fields in algorithm settings', () => {
    expect(problems({ ...minimal, algorithm: { name: 'tpe', settings: { startup: 5 } } })).toEqual([
      { path: 'experiment.algorithm.settings', message: 'unknown field "startup"' },
    ]);
  });
});

describe('ExperimentSpec grid search must be finite', () => {
  it('needs a step count for a double parameter', () => {
    expect(problems({ ...minimal, algorithm: { name: 'grid' } })).toEqual([
      { path: 'experiment.algorithm.settings', message: 'needs steps for grid search over the double parameter learning_rate (got an object)' },
    ]);
  });

  it('rejects a grid beyond the point limit', () => {
    const parameters = [
      { name: 'extras.a', type: 'int', min: 0, max: 999 },
      { name: 'extras.b', type: 'int', min: 0, max: 99 },
    ];
    expect(problems({ ...minimal, parameters, algorithm: { name: 'grid' } })).toEqual([
      { path: 'experiment.algorithm', message: 'grid must have at most 10000 points: use fewer steps or values (got 100000)' },
    ]);
  });

  it('accepts a grid larger than max_trial_count', () => {
    const spec = parse({ ...minimal, algorithm: { name: 'grid', settings: { steps: 20 } }, max_trial_count: 5 });
    expect(spec.algorithm).toEqual({ name: 'grid', settings: { steps: 20 } });
  });
});

describe('ExperimentSpec hyperband needs an int resource parameter', () => {
  const hyperband = (settings: object) => ({ ...minimal, algorithm: { name: 'hyperband', settings } });

  it('accepts epochs as the resource, R defaulting to its max', () => {
    const spec = parse({
      ...hyperband({ resource_parameter: 'epochs' }),
      parameters: [...minimal.parameters, { name: 'epochs', type: 'int', min: 1, max: 81 }],
    });
    expect(spec.algorithm).toEqual({ name: 'hyperband', settings: { resource_parameter: 'epochs', eta: 3 } });
  });

  it.each([
    ['a missing parameter', { resource_parameter: 'epochs' }, 'must name one of the parameters (learning_rate) (got "epochs")'],
    ['a double parameter', { resource_parameter: 'learning_rate' }, 'must name an int parameter; learning_rate is double (got "learning_rate")'],
  ])('rejects %s', (_label, settings, message) => {
    expect(problems(hyperband(settings))).toEqual([{ path: 'experiment.algorithm.settings.resource_parameter', message }]);
  });

  it('rejects max_resource outside the resource range', () => {
    const spec = { ...hyperband({ resource_parameter: 'epochs', max_resource: 100 }), parameters: [{ name: 'epochs', type: 'int', min: 1, max: 81 }] };
    expect(problems(spec)).toEqual([{ path: 'experiment.algorithm.settings.max_resource', message: "must lie within epochs's range 1..81 (got 100)" }]);
  });

  it('requires settings', () => {
    expect(problems({ ...minimal, algorithm: { name: 'hyperband' } })).toEqual([{ path: 'experiment.algorithm.settings', message: 'required' }]);
  });
});
