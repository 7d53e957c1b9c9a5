import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../../core/specs/parse-spec.js';
import { ProjectSpec, type ProjectSpecInput } from '../../../core/specs/project.js';
import { problemsOf } from './spec-problems.js';

const minimal: ProjectSpecInput = {
  name: 'breast-cancer',
  source_dir: './src',
  dataset: 'breast-cancer',
  entrypoints: { train: 'train.py:train', evaluate: 'evaluate.py' },
};
const parse = (input: unknown) => parseSpec(ProjectSpec, input, 'project');
const withEntrypoints = (entrypoints: Record<string, unknown>) => ({ ...minimal, entrypoints: { ...minimal.entrypoints, ...entrypoints } });

describe('ProjectSpec defaults', () => {
  it('fills default params, run policy, an empty validation gate and serving', () => {
    expect(parse(minimal)).toEqual({
      ...minimal,
      default_params: { learning_rate: 0.01, batch_size: 32, epochs: 10, seed: 42, extras: {} },
      run_policy: { timeout_seconds: 300, retry_count_limit: 0, auto_resume: false },
      validation_gate: { thresholds: [] },
      serve: true,
      promotion: { mode: 'auto', approval_timeout: '24h' },
      trigger: { on_new_data: false },
    });
  });

  it('fills defaults inside partially given sections', () => {
    const spec = parse({
      ...minimal,
      default_params: { epochs: 3, extras: { C: 0.5 } },
      run_policy: { retry_count_limit: 2 },
      validation_gate: { thresholds: [{ metric: 'accuracy', threshold: 0.9 }] },
    });
    expect(spec.default_params).toEqual({ learning_rate: 0.01, batch_size: 32, epochs: 3, seed: 42, extras: { C: 0.5 } });
    expect(spec.run_policy).toEqual({ timeout_seconds: 300, retry_count_limit: 2, auto_resume: false });
    expect(spec.validation_gate.thresholds).toEqual([{ metric: 'accuracy', direction: 'min', threshold: 0.9 }]);
  });
});

describe('ProjectSpec entrypoints', () => {
  it.each(['train.py', 'train.py:train', 'models/train.py:KilnModelSubclass', 'pkg/sub-dir/run_it.py:_private', './train.py'])('accepts %j', (train) => {
    expect(parse(withEntrypoints({ train })).entrypoints.train).toBe(train);
  });

  it.each(['train', 'train.py:', 'train.py:1name', 'train.py:a.b', 'train.ipynb', 'my script.py', 'train.py:fn:x'])('rejects %j', (train) => {
    expect(problemsOf(() => parse(withEntrypoints({ train })))).toEqual([
      { path: 'project.entrypoints.train', message: `must be "file.py" or "file.py:Name" (got ${JSON.stringify(train)})` },
    ]);
  });

  it.each(['train', 'evaluate'])('requires the %s entrypoint', (stage) => {
    const entrypoints: Record<string, string> = { ...minimal.entrypoints };
    delete entrypoints[stage];
    expect(problemsOf(() => parse({ ...minimal, entrypoints }))).toEqual([{ path: `project.entrypoints.${stage}`, message: 'required' }]);
  });

  it('accepts optional preprocess and predict entrypoints', () => {
    expect(parse(withEntrypoints({ preprocess: 'prep.py', predict: 'serve.py:predict' })).entrypoints).toMatchObject({
      preprocess: 'prep.py',
      predict: 'serve.py:predict',
    });
  });

  it('rejects an entrypoint for a stage that does not exist', () => {
    expect(problemsOf(() => parse(withEntrypoints({ deploy: 'deploy.py' })))).toEqual([{ path: 'project.entrypoints', message: 'unknown field "deploy"' }]);
  });
});

describe('ProjectSpec references and strictness', () => {
  it.each([
    ['dataset', { ...minimal, dataset: 'Bad_Name' }],
    ['environment', { ...minimal, environment: '-env' }],
    ['model_name', { ...minimal, model_name: 'x'.repeat(64) }],
    ['source_dir', { ...minimal, source_dir: '' }],
  ])('rejects a malformed %s', (field, input) => {
    expect(problemsOf(() => parse(input)).map((p) => p.path)).toEqual([`project.${field}`]);
  });

  it('rejects an unknown top-level field', () => {
    expect(problemsOf(() => parse({ ...minimal, retries: 3 }))).toEqual([{ path: 'project', message: 'unknown field "retries"' }]);
  });
});

describe('ProjectSpec monitoring', () => {
  it('is off unless given', () => {
    expect(parse(minimal)).not.toHaveProperty('monitoring');
  });

  it('fills defaults inside a partially given section', () => {
    expect(parse({ ...minimal, monitoring: { on_drift: 'retrain', schedule: '15m' } }).monitoring).toEqual({
      window: '1h',
      min_samples: 200,
      psi_threshold: 0.2,
      p_value: 0.01,
      on_drift: 'retrain',
      schedule: '15m',
    });
  });

  it('parses its own output again to the same spec, as a stored project is read back', () => {
    const spec = parse({ ...minimal, monitoring: { window: '2h' } });
    expect(parse(spec)).toEqual(spec);
  });

  it('names problems under project.monitoring', () => {
    expect(problemsOf(() => parse({ ...minimal, monitoring: { window: '5m', schedule: '15m' } }))).toEqual([
      { path: 'project.monitoring.window', message: 'must be at least the schedule interval (15m) (got "5m")' },
    ]);
  });
});

describe('ProjectSpec warm_start', () => {
  it('is absent unless given (warm starts on), and takes a boolean', () => {
    expect(parse(minimal)).not.toHaveProperty('warm_start');
    expect(parse({ ...minimal, warm_start: false }).warm_start).toBe(false);
    expect(problemsOf(() => parse({ ...minimal, warm_start: 'no' })).map((p) => p.path)).toEqual(['project.warm_start']);
  });
});
