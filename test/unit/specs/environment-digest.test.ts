import { describe, expect, it } from 'vitest';
import { EnvironmentSpec, type EnvironmentSpecInput } from '../../../core/specs/environment.js';
import { environmentDigest } from '../../../core/specs/environment-digest.js';

const base: EnvironmentSpecInput = {
  name: 'sklearn-env',
  python_version: '3.11',
  base_image: 'python:3.11-slim',
  dependencies: ['numpy==2.1.0', 'scikit-learn==1.5.2'],
};
const digestOf = (input: EnvironmentSpecInput) => environmentDigest(EnvironmentSpec.parse(input));
const baseDigest = digestOf(base);

describe('environmentDigest', () => {
  it('is 64 lowercase hex characters (sha256)', () => {
    expect(baseDigest).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each<[string, Partial<EnvironmentSpecInput>]>([
    ['dependency order', { dependencies: ['scikit-learn==1.5.2', 'numpy==2.1.0'] }],
    ['whitespace inside a requirement', { dependencies: ['numpy == 2.1.0', ' scikit-learn==1.5.2 '] }],
    ['duplicate requirements', { dependencies: ['numpy==2.1.0', 'scikit-learn==1.5.2', 'numpy==2.1.0'] }],
    ['the name', { name: 'other-env' }],
    ['the description', { description: 'for the demo' }],
    ['the CPU limit', { cpu_limit: 4 }],
    ['the memory limit', { memory_limit: 4096 }],
    ['the GPU request', { use_gpu: true, max_used_gpu: 1 }],
    ['being the default', { is_default: true }],
    ['warm imports (a runtime setting: the same venv serves warm and cold starts)', { warm_imports: ['numpy', 'sklearn'] }],
  ])('is unchanged by %s', (_label, change) => {
    expect(digestOf({ ...base, ...change })).toBe(baseDigest);
  });

  it.each<[string, Partial<EnvironmentSpecInput>]>([
    ['python_version', { python_version: '3.12' }],
    ['base_image', { base_image: 'python:3.11' }],
    ['a dependency version', { dependencies: ['numpy==2.1.1', 'scikit-learn==1.5.2'] }],
    ['an added dependency', { dependencies: ['numpy==2.1.0', 'scikit-learn==1.5.2', 'pandas'] }],
    ['a removed dependency', { dependencies: ['numpy==2.1.0'] }],
  ])('changes with %s', (_label, change) => {
    expect(digestOf({ ...base, ...change })).not.toBe(baseDigest);
  });

  it('uses the default base image when none is given, same as naming it', () => {
    const { base_image: _omitted, ...withoutImage } = base;
    expect(digestOf(withoutImage)).toBe(baseDigest);
  });
});
