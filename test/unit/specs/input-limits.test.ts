import type { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ExtendRequest, PredictRequest, RunsQuery } from '../../../api/http/request-schemas.js';
import { DatasetSpec, EnvironmentSpec, ExperimentSpec, HyperparameterOverrides, ProjectSpec, parseSpec } from '../../../core/specs/index.js';
import { LIMITS } from '../../../core/specs/limits.js';
import { problemsOf } from './spec-problems.js';

const environment = { name: 'env', python_version: '3.11' };
const dataset = { name: 'data', path: 'data/x.csv', target_column: 'label' };
const project = { name: 'proj', source_dir: 'src', dataset: 'data', entrypoints: { train: 'model.py:M', evaluate: 'model.py:M' } };
const experiment = {
  name: 'exp',
  project: 'proj',
  objective: { metric: 'accuracy', goal: 'maximize' },
  parameters: [{ name: 'learning_rate', type: 'double', min: 0.001, max: 0.1 }],
  algorithm: { name: 'random' },
};
const extras = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`e${i}`, i]));

/** [what, schema, root, input, field named in the refusal]. */
type Case = [string, z.ZodType, string, Record<string, unknown>, string];

const REFUSED: Case[] = [
  [
    'environment.base_image with a Dockerfile instruction',
    EnvironmentSpec,
    'environment',
    { ...environment, base_image: 'alpine\nRUN id' },
    'environment.base_image',
  ],
  [
    'environment.dependencies: a pip option',
    EnvironmentSpec,
    'environment',
    { ...environment, dependencies: ['--index-url=https://evil.example'] },
    'environment.dependencies[0]',
  ],
  [
    'environment.dependencies: an extra index as a second line',
    EnvironmentSpec,
    'environment',
    { ...environment, dependencies: ['numpy>=1\n--extra-index-url https://evil.example'] },
    'environment.dependencies[0]',
  ],
  [
    'environment.dependencies: a line break between clauses',
    EnvironmentSpec,
    'environment',
    { ...environment, dependencies: ['numpy>=1\n<2'] },
    'environment.dependencies[0]',
  ],
  ['environment.dependencies: a local path', EnvironmentSpec, 'environment', { ...environment, dependencies: ['./pkg'] }, 'environment.dependencies[0]'],
  [
    'environment.dependencies: a direct reference',
    EnvironmentSpec,
    'environment',
    { ...environment, dependencies: ['pkg @ https://evil.example/pkg.whl'] },
    'environment.dependencies[0]',
  ],
  [
    'environment.dependencies: an environment marker',
    EnvironmentSpec,
    'environment',
    { ...environment, dependencies: ['numpy; python_version>"3"'] },
    'environment.dependencies[0]',
  ],
  [
    'environment.dependencies: one over the length cap',
    EnvironmentSpec,
    'environment',
    { ...environment, dependencies: [`a${'b'.repeat(LIMITS.dependency)}`] },
    'environment.dependencies[0]',
  ],
  [
    'environment.dependencies: more than the cap',
    EnvironmentSpec,
    'environment',
    { ...environment, dependencies: Array.from({ length: LIMITS.dependencies + 1 }, (_, i) => `p${i}`) },
    'environment.dependencies',
  ],
  ['environment.cpu_limit under a millicore', EnvironmentSpec, 'environment', { ...environment, cpu_limit: 0.0001 }, 'environment.cpu_limit'],
  ['environment.cpu_limit over the cap', EnvironmentSpec, 'environment', { ...environment, cpu_limit: LIMITS.cpuCores.max + 1 }, 'environment.cpu_limit'],
  ['environment.memory_limit under 16 MiB', EnvironmentSpec, 'environment', { ...environment, memory_limit: 1 }, 'environment.memory_limit'],
  [
    'environment.memory_limit over 1 TiB',
    EnvironmentSpec,
    'environment',
    { ...environment, memory_limit: LIMITS.memoryMiB.max + 1 },
    'environment.memory_limit',
  ],
  [
    'environment.max_used_gpu over the cap',
    EnvironmentSpec,
    'environment',
    { ...environment, use_gpu: true, max_used_gpu: LIMITS.gpus + 1 },
    'environment.max_used_gpu',
  ],
  [
    'environment.description over the cap',
    EnvironmentSpec,
    'environment',
    { ...environment, description: 'x'.repeat(LIMITS.text + 1) },
    'environment.description',
  ],
  ['environment.name over 63 characters', EnvironmentSpec, 'environment', { ...environment, name: 'a'.repeat(64) }, 'environment.name'],
  ['dataset.path with a line break', DatasetSpec, 'dataset', { ...dataset, path: 'data/x.csv\nother' }, 'dataset.path'],
  ['dataset.path with a NUL byte', DatasetSpec, 'dataset', { ...dataset, path: 'data/x.csv\0.png' }, 'dataset.path'],
  ['dataset.path over 255 bytes', DatasetSpec, 'dataset', { ...dataset, path: `/${'é'.repeat(128)}` }, 'dataset.path'],
  ['dataset.target_column over the cap', DatasetSpec, 'dataset', { ...dataset, target_column: 'c'.repeat(LIMITS.columnName + 1) }, 'dataset.target_column'],
  ['dataset.split.seed over 2^32-1', DatasetSpec, 'dataset', { ...dataset, split: { seed: 2 ** 32 } }, 'dataset.split.seed'],
  ['project.source_dir over 255 bytes', ProjectSpec, 'project', { ...project, source_dir: 's'.repeat(LIMITS.pathBytes + 1) }, 'project.source_dir'],
  [
    'project.entrypoints.train over the cap',
    ProjectSpec,
    'project',
    { ...project, entrypoints: { ...project.entrypoints, train: `${'m'.repeat(LIMITS.entrypoint)}.py` } },
    'project.entrypoints.train',
  ],
  [
    'project.default_params.extras: more than the cap',
    ProjectSpec,
    'project',
    { ...project, default_params: { extras: extras(LIMITS.extras + 1) } },
    'project.default_params.extras',
  ],
  [
    'project.default_params.extras: a string over the cap',
    ProjectSpec,
    'project',
    { ...project, default_params: { extras: { s: 'x'.repeat(LIMITS.extraString + 1) } } },
    'project.default_params.extras.s',
  ],
  [
    'project.default_params.epochs over the cap',
    ProjectSpec,
    'project',
    { ...project, default_params: { epochs: LIMITS.epochs + 1 } },
    'project.default_params.epochs',
  ],
  [
    'project.validation_gate: a metric over varchar(200)',
    ProjectSpec,
    'project',
    { ...project, validation_gate: { thresholds: [{ metric: 'm'.repeat(201), threshold: 0.5 }] } },
    'project.validation_gate.thresholds[0].metric',
  ],
  [
    'project.validation_gate: more thresholds than the cap',
    ProjectSpec,
    'project',
    { ...project, validation_gate: { thresholds: Array.from({ length: LIMITS.thresholds + 1 }, () => ({ metric: 'm', threshold: 0 })) } },
    'project.validation_gate.thresholds',
  ],
  ['params.seed over 2^32-1', HyperparameterOverrides, 'params', { seed: 2 ** 32 }, 'params.seed'],
  ['params.batch_size over the cap', HyperparameterOverrides, 'params', { batch_size: LIMITS.batchSize + 1 }, 'params.batch_size'],
  ['params.extras: more than the cap', HyperparameterOverrides, 'params', { extras: extras(LIMITS.extras + 1) }, 'params.extras'],
  [
    'experiment.max_trial_count over the cap',
    ExperimentSpec,
    'experiment',
    { ...experiment, max_trial_count: LIMITS.trials + 1 },
    'experiment.max_trial_count',
  ],
  [
    'experiment categorical values: more than the cap',
    ExperimentSpec,
    'experiment',
    { ...experiment, parameters: [{ name: 'extras.k', type: 'categorical', values: Array.from({ length: LIMITS.parameterValues + 1 }, (_, i) => `v${i}`) }] },
    'experiment.parameters[0].values',
  ],
  ['max_trial_count of an extension over the cap', ExtendRequest, '', { max_trial_count: LIMITS.trials + 1 }, 'max_trial_count'],
  ['?limit= over 1000', RunsQuery, '', { limit: '1001' }, 'limit'],
  ['?limit=0', RunsQuery, '', { limit: '0' }, 'limit'],
  ['?project= over 63 characters', RunsQuery, '', { project: 'p'.repeat(64) }, 'project'],
  ['predict instances over the cap', PredictRequest, '', { instances: Array.from({ length: LIMITS.predictInstances + 1 }, () => [1]) }, 'instances'],
];

describe('inputs over the documented caps are refused, naming the field', () => {
  it.each(REFUSED)('%s', (_label, schema, root, input, field) => {
    expect(problemsOf(() => parseSpec(schema, input, root)).map((p) => p.path)).toContain(field);
  });
});

const ACCEPTED: [string, z.ZodType, Record<string, unknown>][] = [
  [
    'cpu_limit at the cap and memory_limit at the floor',
    EnvironmentSpec,
    { ...environment, cpu_limit: LIMITS.cpuCores.max, memory_limit: LIMITS.memoryMiB.min },
  ],
  ['cpu_limit of one millicore', EnvironmentSpec, { ...environment, cpu_limit: LIMITS.cpuCores.min }],
  ['memory_limit at 1 TiB and a fractional CPU', EnvironmentSpec, { ...environment, cpu_limit: 0.5, memory_limit: LIMITS.memoryMiB.max }],
  ['as many dependencies as the cap', EnvironmentSpec, { ...environment, dependencies: Array.from({ length: LIMITS.dependencies }, (_, i) => `p${i}==1.0`) }],
  ['the largest seed', DatasetSpec, { ...dataset, split: { seed: LIMITS.seed } }],
  ['as many extras as the cap', ProjectSpec, { ...project, default_params: { extras: extras(LIMITS.extras) } }],
  ['a path of exactly 255 bytes', ProjectSpec, { ...project, source_dir: 's'.repeat(LIMITS.pathBytes) }],
  ['?limit=1000', RunsQuery, { limit: '1000' }],
];

describe('inputs at the caps are accepted', () => {
  it.each(ACCEPTED)('%s', (_label, schema, input) => {
    expect(() => parseSpec(schema, input)).not.toThrow();
  });
});
