import { describe, expect, it } from 'vitest';
import { EnvironmentSpec, type EnvironmentSpecInput } from '../../../core/specs/environment.js';
import { parseSpec } from '../../../core/specs/parse-spec.js';
import { problemsOf } from './spec-problems.js';

const minimal = { name: 'sklearn-env', python_version: '3.11' };
const parse = (input: Record<string, unknown>) => parseSpec(EnvironmentSpec, input, 'environment');

describe('EnvironmentSpec defaults', () => {
  it('fills base image, dependencies and flags when only name and python_version are given', () => {
    expect(parse(minimal)).toEqual({
      name: 'sklearn-env',
      python_version: '3.11',
      base_image: 'python:3.11-slim',
      dependencies: [],
      use_gpu: false,
      is_default: false,
    });
  });

  it('keeps the optional resource limits when given', () => {
    const spec = parse({ ...minimal, cpu_limit: 1.5, memory_limit: 2048, use_gpu: true, max_used_gpu: 2 });
    expect(spec).toMatchObject({ cpu_limit: 1.5, memory_limit: 2048, use_gpu: true, max_used_gpu: 2 });
  });
});

describe('EnvironmentSpec python_version', () => {
  it.each(['3.11', '3.9', '3.12.7', '3.10.0'])('accepts %s', (python_version) => {
    expect(parse({ ...minimal, python_version }).python_version).toBe(python_version);
  });

  it.each(['3', 'py3.11', '2.7', '3.11.7.1', '3.x', '', ' 3.11'])('rejects %j naming the field', (python_version) => {
    const problems = problemsOf(() => parse({ ...minimal, python_version }));
    expect(problems).toEqual([{ path: 'environment.python_version', message: `must look like "3.11" or "3.11.7" (got ${JSON.stringify(python_version)})` }]);
  });
});

describe('EnvironmentSpec dependencies', () => {
  it.each(['numpy', 'scikit-learn==1.5.2', 'numpy>=1.26', 'pandas >= 2.0, < 3', 'uvicorn[standard]==0.30.0', 'torch~=2.3', 'zope.interface!=6.0'])(
    'accepts the requirement %j',
    (dependency) => {
      expect(parse({ ...minimal, dependencies: [dependency] }).dependencies).toEqual([dependency.trim()]);
    },
  );

  it('trims surrounding whitespace from each requirement', () => {
    expect(parse({ ...minimal, dependencies: ['  numpy==2.0  '] }).dependencies).toEqual(['numpy==2.0']);
  });

  it.each([
    ['a pip option', '--index-url https://example.com'],
    ['a URL', 'https://example.com/pkg.whl'],
    ['a git reference', 'git+https://github.com/x/y'],
    ['an editable install', '-e .'],
    ['two names', 'numpy pandas'],
    ['an empty string', ''],
  ])('rejects %s, naming its index', (_label, dependency) => {
    const problems = problemsOf(() => parse({ ...minimal, dependencies: ['numpy', dependency] }));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe('environment.dependencies[1]');
    expect(problems[0]?.message).toMatch(/^must be a PyPI requirement such as "scikit-learn==1\.5\.2"/);
  });
});

describe('EnvironmentSpec GPU request', () => {
  it('rejects max_used_gpu without use_gpu, at max_used_gpu and quoting the value', () => {
    expect(problemsOf(() => parse({ ...minimal, max_used_gpu: 2 }))).toEqual([
      { path: 'environment.max_used_gpu', message: 'set use_gpu: true to request GPUs (got 2)' },
    ]);
  });

  it('accepts use_gpu without a GPU count', () => {
    expect(parse({ ...minimal, use_gpu: true })).toMatchObject({ use_gpu: true });
  });

  it.each([0, -1, 1.5])('rejects a GPU count of %d', (max_used_gpu) => {
    expect(problemsOf(() => parse({ ...minimal, use_gpu: true, max_used_gpu }))[0]?.path).toBe('environment.max_used_gpu');
  });
});

describe('EnvironmentSpec strictness', () => {
  it.each<[string, EnvironmentSpecInput | Record<string, unknown>, string]>([
    ['an unknown field', { ...minimal, gpu: true }, 'unknown field "gpu"'],
    // The digest is computed from the spec, so a client cannot claim one.
    ['spec_digest, which is computed and never taken from input', { ...minimal, spec_digest: 'a'.repeat(64) }, 'unknown field "spec_digest"'],
    ['a run policy field, which belongs to the project', { ...minimal, timeout_seconds: 60 }, 'unknown field "timeout_seconds"'],
  ])('rejects %s', (_label, input, message) => {
    expect(problemsOf(() => parse(input as Record<string, unknown>))).toEqual([{ path: 'environment', message }]);
  });

  it.each([
    ['name', { ...minimal, name: 'Sklearn_Env' }],
    ['cpu_limit', { ...minimal, cpu_limit: 0 }],
    ['memory_limit', { ...minimal, memory_limit: 512.5 }],
    ['base_image', { ...minimal, base_image: '' }],
  ])('rejects a bad %s', (field, input) => {
    expect(problemsOf(() => parse(input)).map((p) => p.path)).toEqual([`environment.${field}`]);
  });
});

describe('EnvironmentSpec warm_imports', () => {
  it('is absent unless given, and keeps the modules in order', () => {
    expect(parse(minimal)).not.toHaveProperty('warm_imports');
    expect(parse({ ...minimal, warm_imports: ['numpy', 'sklearn.linear_model', '_private'] }).warm_imports).toEqual([
      'numpy',
      'sklearn.linear_model',
      '_private',
    ]);
  });

  it.each([
    ['a requirement', 'numpy==2.0'],
    ['a path', 'src/model.py'],
    ['a leading digit', '3d'],
    ['an empty part', 'sklearn..linear_model'],
    ['code', 'os; os.system("x")'],
    ['an empty string', ''],
    ['too long a name', 'm'.repeat(101)],
  ])('rejects %s, naming its index', (_label, module) => {
    const problems = problemsOf(() => parse({ ...minimal, warm_imports: ['numpy', module] }));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe('environment.warm_imports[1]');
  });

  it('rejects more than 50 modules', () => {
    const warm_imports = Array.from({ length: 51 }, (_, i) => `m${i}`);
    expect(problemsOf(() => parse({ ...minimal, warm_imports }))).toEqual([
      { path: 'environment.warm_imports', message: expect.stringMatching(/^must list at most 50 modules/) },
    ]);
  });
});
