import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../../core/specs/parse-spec.js';
import { ProjectSpec, type ProjectSpecInput } from '../../../core/specs/project.js';
import { resolveParams, resolvePolicy, RunRequest } from '../../../core/specs/run-request.js';
import { problemsOf } from './spec-problems.js';

const projectWith = (change: Partial<ProjectSpecInput> = {}) =>
  ProjectSpec.parse({
    name: 'breast-cancer',
    source_dir: '.',
    dataset: 'breast-cancer',
    entrypoints: { train: 'train.py:train', evaluate: 'evaluate.py:evaluate' },
    default_params: { learning_rate: 0.1, epochs: 5, extras: { C: 1, penalty: 'l2', fit_intercept: true } },
    run_policy: { timeout_seconds: 120, retry_count_limit: 1 },
    ...change,
  });
const project = projectWith();
const request = (input: Record<string, unknown>) => parseSpec(RunRequest, { project: 'breast-cancer', ...input });

describe('RunRequest', () => {
  it('needs only the project; params and run policy default to no overrides', () => {
    expect(parseSpec(RunRequest, { project: 'breast-cancer' })).toEqual({ project: 'breast-cancer', params: {}, run_policy: {}, cache: true });
  });

  it('names a mistyped parameter under params', () => {
    expect(problemsOf(() => request({ params: { learning_rate: 'abc' } }))).toEqual([{ path: 'params.learning_rate', message: 'expected number, got "abc"' }]);
  });

  it.each([
    ['an unknown parameter', { params: { lr: 0.1 } }, 'params', 'unknown field "lr"'],
    ['an unknown run policy field', { run_policy: { retries: 1 } }, 'run_policy', 'unknown field "retries"'],
    ['an unknown top-level field', { priority: 1 }, '', 'unknown field "priority"'],
    ['a missing project', { project: undefined }, 'project', 'required'],
  ])('rejects %s', (_label, input, path, message) => {
    expect(problemsOf(() => request(input))).toEqual([{ path, message }]);
  });

  it('checks run policy overrides against the same bounds', () => {
    expect(problemsOf(() => request({ run_policy: { timeout_seconds: 0 } })).map((p) => p.path)).toEqual(['run_policy.timeout_seconds']);
  });
});

describe('resolveParams', () => {
  it("returns the project's defaults when the run overrides nothing", () => {
    expect(resolveParams(project, {})).toEqual({
      learning_rate: 0.1,
      batch_size: 32,
      epochs: 5,
      seed: 42,
      extras: { C: 1, penalty: 'l2', fit_intercept: true },
    });
  });

  it('applies overrides over the defaults, keeping undeclared-by-run extras', () => {
    expect(resolveParams(project, { learning_rate: 0.05, seed: 7, extras: { C: 0.5 } })).toEqual({
      learning_rate: 0.05,
      batch_size: 32,
      epochs: 5,
      seed: 7,
      extras: { C: 0.5, penalty: 'l2', fit_intercept: true },
    });
  });

  it('rejects an extra the project does not declare, naming the declared ones', () => {
    expect(problemsOf(() => resolveParams(project, { extras: { gamma: 0.1 } }))).toEqual([
      { path: 'params.extras.gamma', message: 'not declared by project "breast-cancer" (declared: C, penalty, fit_intercept)' },
    ]);
  });

  it('says so plainly when the project declares no extras', () => {
    expect(problemsOf(() => resolveParams(projectWith({ default_params: {} }), { extras: { gamma: 0.1 } }))).toEqual([
      { path: 'params.extras.gamma', message: 'not declared by project "breast-cancer"' },
    ]);
  });

  it.each([
    ['C', 'high', 'expected number, got "high"'],
    ['penalty', 2, 'expected string, got 2'],
    ['fit_intercept', 'yes', 'expected boolean, got "yes"'],
  ])('rejects extra %s with a value of another type than declared', (key, value, message) => {
    expect(problemsOf(() => resolveParams(project, { extras: { [key]: value } }))).toEqual([{ path: `params.extras.${key}`, message }]);
  });

  it('reports every bad extra at once', () => {
    expect(problemsOf(() => resolveParams(project, { extras: { C: 'x', gamma: 1 } })).map((p) => p.path)).toEqual(['params.extras.C', 'params.extras.gamma']);
  });

  it('does not change the project it resolves against', () => {
    const before = structuredClone(project);
    resolveParams(project, { epochs: 1, extras: { C: 2 } });
    expect(project).toEqual(before);
  });
});

describe('resolvePolicy', () => {
  it("returns the project's policy when the run overrides nothing", () => {
    expect(resolvePolicy(project, {})).toEqual({ timeout_seconds: 120, retry_count_limit: 1, auto_resume: false });
  });

  it('applies each given override and keeps the rest', () => {
    expect(resolvePolicy(project, { retry_count_limit: 3, auto_resume: true })).toEqual({ timeout_seconds: 120, retry_count_limit: 3, auto_resume: true });
  });

  it('rejects an out-of-bounds result under run_policy', () => {
    expect(problemsOf(() => resolvePolicy(project, { retry_count_limit: 101 })).map((p) => p.path)).toEqual(['run_policy.retry_count_limit']);
  });
});
