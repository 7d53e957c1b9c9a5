import { describe, expect, it } from 'vitest';
import { baseImageFor, renderDockerfile } from '../../../core/environments/image/dockerfile.js';
import { EnvironmentSpec, type EnvironmentSpecInput } from '../../../core/specs/environment.js';
import { environmentDigest } from '../../../core/specs/environment-digest.js';

const base: EnvironmentSpecInput = { name: 'sklearn-env', python_version: '3.11', dependencies: ['scikit-learn==1.5.2', 'numpy==2.1.0'] };
const render = (input: EnvironmentSpecInput) => {
  const spec = EnvironmentSpec.parse(input);
  return renderDockerfile(spec, environmentDigest(spec));
};

describe('renderDockerfile', () => {
  it('is the base image, a digest label and one pip layer with the sorted pinned requirements', () => {
    const digest = environmentDigest(EnvironmentSpec.parse(base));
    expect(render(base)).toBe(
      [
        'FROM python:3.11-slim',
        `LABEL "kiln.dev/environment-digest"="${digest}"`,
        'ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore',
        'RUN ["python","-m","pip","install","--no-cache-dir","numpy==2.1.0","scikit-learn==1.5.2"]',
        '',
      ].join('\n'),
    );
  });

  it.each<[string, Partial<EnvironmentSpecInput>]>([
    ['dependency order', { dependencies: ['numpy==2.1.0', 'scikit-learn==1.5.2'] }],
    ['whitespace and duplicates in requirements', { dependencies: [' numpy == 2.1.0', 'scikit-learn==1.5.2', 'numpy==2.1.0'] }],
    ['the name and description', { name: 'other', description: 'for the demo' }],
    ['resource limits', { cpu_limit: 4, memory_limit: 8192, use_gpu: true, max_used_gpu: 1 }],
    ['being the default', { is_default: true }],
  ])('gives the same bytes whatever the %s', (_label, change) => {
    expect(render({ ...base, ...change })).toBe(render(base));
  });

  it('changes with the dependency list', () => {
    expect(render({ ...base, dependencies: ['numpy==2.1.1'] })).not.toBe(render(base));
  });

  it('passes range requirements to pip without a shell that would read > as a redirect', () => {
    expect(render({ ...base, dependencies: ['numpy>=1.26,<3'] })).toContain('RUN ["python","-m","pip","install","--no-cache-dir","numpy>=1.26,<3"]');
  });

  it('has no install layer when there is nothing to install', () => {
    expect(render({ ...base, dependencies: [] })).not.toContain('RUN');
  });
});

describe('baseImageFor', () => {
  it.each([
    ['the schema default with another python_version', 'python:3.11-slim', '3.12', 'python:3.12-slim'],
    ['the schema default with its own python_version', 'python:3.11-slim', '3.11', 'python:3.11-slim'],
    ['a patch version', 'python:3.11-slim', '3.11.7', 'python:3.11.7-slim'],
    ['an untagged official image', 'python', '3.12', 'python:3.12-slim'],
    ['python:latest', 'python:latest', '3.12', 'python:3.12-slim'],
    ['a variant-only tag', 'python:slim-bookworm', '3.10', 'python:3.10-slim-bookworm'],
    ['a versioned variant', 'python:3.9-bookworm', '3.12', 'python:3.12-bookworm'],
    ['the full image', 'python:3.10', '3.12', 'python:3.12'],
    ['the Docker Hub long name', 'docker.io/library/python:3.11-slim', '3.12', 'python:3.12-slim'],
    ['a custom image', 'nvidia/cuda:12.4.1-runtime-ubuntu22.04', '3.11', 'nvidia/cuda:12.4.1-runtime-ubuntu22.04'],
    ['a mirror of python', 'registry.example.com/python:3.11-slim', '3.12', 'registry.example.com/python:3.11-slim'],
    ['a digest-pinned python', `python@sha256:${'a'.repeat(64)}`, '3.12', `python@sha256:${'a'.repeat(64)}`],
  ])('%s: %s with Python %s builds FROM %s', (_label, baseImage, pythonVersion, expected) => {
    expect(baseImageFor({ base_image: baseImage, python_version: pythonVersion })).toBe(expected);
  });
});
