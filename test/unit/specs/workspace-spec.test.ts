import { describe, expect, it } from 'vitest';
import { SpecValidationError } from '../../../core/errors.js';
import { parseSpec } from '../../../core/specs/parse-spec.js';
import { WorkspaceSpec, workspaceLimits } from '../../../core/specs/workspace.js';

const problemsOf = (input: unknown) => {
  try {
    parseSpec(WorkspaceSpec, input);
  } catch (error) {
    if (error instanceof SpecValidationError) return error.problems.map((p) => p.path);
    throw error;
  }
  return [];
};

describe('WorkspaceSpec', () => {
  it('defaults to JupyterLab, a 30-minute idle timeout and no lifetime limit', () => {
    expect(parseSpec(WorkspaceSpec, { name: 'nb', project: 'iris' })).toEqual({
      name: 'nb',
      project: 'iris',
      kind: 'jupyterlab',
      resources: {},
      idle_timeout: '30m',
    });
  });

  it.each([
    ['an idle timeout under 1 minute', { name: 'nb', project: 'iris', idle_timeout: '30s' }, 'idle_timeout'],
    ['neither project nor environment', { name: 'nb' }, 'project'],
    ['an unknown kind', { name: 'nb', project: 'iris', kind: 'rstudio' }, 'kind'],
    ['negative GPUs', { name: 'nb', project: 'iris', resources: { gpus: -1 } }, 'resources.gpus'],
    ['an unknown field', { name: 'nb', project: 'iris', idle: '5m' }, ''],
    ['a max_lifetime that is no duration', { name: 'nb', environment: 'py', max_lifetime: 'soon' }, 'max_lifetime'],
  ])('refuses %s, naming the field', (_what, input, field) => {
    expect(problemsOf(input)).toContain(field);
  });

  it("takes unset resources from the environment's limits", () => {
    const spec = parseSpec(WorkspaceSpec, { name: 'nb', environment: 'gpu', resources: { memory: 2048 } });
    expect(workspaceLimits(spec, { cpu_limit: 2, memory_limit: 8192, use_gpu: true, max_used_gpu: 2 })).toEqual({ cpu: 2, memory: 2048, gpus: 2 });
    expect(workspaceLimits(spec, { use_gpu: false })).toEqual({ cpu: null, memory: 2048, gpus: 0 });
  });
});
