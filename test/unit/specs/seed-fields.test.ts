import { describe, expect, it } from 'vitest';
import { EnvironmentSpec } from '../../../core/specs/environment.js';
import { environmentDigest } from '../../../core/specs/environment-digest.js';
import { parseSpec } from '../../../core/specs/parse-spec.js';
import { ProjectSpec } from '../../../core/specs/project.js';
import { RunPolicy } from '../../../core/specs/run-policy.js';
import { problemsOf } from './spec-problems.js';

type Home = 'environment' | 'run_policy' | 'computed digest';

/** Every field of the seed's `WorkspaceCreate`, and where Kiln keeps it. */
const WORKSPACE_CREATE_FIELDS: [string, Home][] = [
  ['name', 'environment'],
  ['description', 'environment'],
  ['python_version', 'environment'],
  ['use_gpu', 'environment'],
  ['max_used_gpu', 'environment'],
  ['cpu_limit', 'environment'],
  ['memory_limit', 'environment'],
  ['spec_digest', 'computed digest'],
  ['timeout_seconds', 'run_policy'],
  ['auto_resume', 'run_policy'],
  ['retry_count_limit', 'run_policy'],
  ['is_default', 'environment'],
];

const environmentFields = Object.keys(EnvironmentSpec.shape);
const runPolicyFields = Object.keys(RunPolicy.shape);

describe("the seed's WorkspaceCreate fields", () => {
  it.each(WORKSPACE_CREATE_FIELDS.filter(([, home]) => home === 'environment'))('%s is an EnvironmentSpec field', (field) => {
    expect(environmentFields).toContain(field);
    expect(runPolicyFields).not.toContain(field);
  });

  it.each(WORKSPACE_CREATE_FIELDS.filter(([, home]) => home === 'run_policy'))('%s is a RunPolicy field, set as project.run_policy', (field) => {
    expect(runPolicyFields).toContain(field);
    expect(environmentFields).not.toContain(field);
    expect(ProjectSpec.shape.run_policy.parse({})).toHaveProperty(field);
  });

  it('spec_digest is computed from the environment, never accepted as input', () => {
    const input = { name: 'env', python_version: '3.11' };
    expect(environmentFields).not.toContain('spec_digest');
    expect(environmentDigest(EnvironmentSpec.parse(input))).toMatch(/^[0-9a-f]{64}$/);
    expect(problemsOf(() => parseSpec(EnvironmentSpec, { ...input, spec_digest: 'abc' }))).toEqual([{ path: '', message: 'unknown field "spec_digest"' }]);
  });
});
