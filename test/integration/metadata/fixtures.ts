import { DatasetSpec, type DatasetSpecInput } from '../../../core/specs/dataset.js';
import { EnvironmentSpec, type EnvironmentSpecInput } from '../../../core/specs/environment.js';
import { Hyperparameters } from '../../../core/specs/hyperparameters.js';
import { ProjectSpec, type ProjectSpecInput } from '../../../core/specs/project.js';
import { RunPolicy } from '../../../core/specs/run-policy.js';
import type { NewRun } from '../../../core/metadata/runs-repository.js';

/** Parsed specs with defaults applied, as the API hands them to the store. */
export function environmentSpec(name: string, overrides: Partial<EnvironmentSpecInput> = {}): EnvironmentSpec {
  return EnvironmentSpec.parse({ name, python_version: '3.11', dependencies: ['scikit-learn==1.5.2', 'numpy>=1.26'], ...overrides });
}

export function datasetSpec(name: string, overrides: Partial<DatasetSpecInput> = {}): DatasetSpec {
  return DatasetSpec.parse({ name, path: `/data/${name}.csv`, target_column: 'label', ...overrides });
}

export function projectSpec(name: string, overrides: Partial<ProjectSpecInput> = {}): ProjectSpec {
  return ProjectSpec.parse({
    name,
    source_dir: `/src/${name}`,
    dataset: 'iris',
    entrypoints: { train: 'train.py:Model', evaluate: 'evaluate.py' },
    default_params: { epochs: 3, extras: { max_depth: 4, criterion: 'gini' } },
    ...overrides,
  });
}

export function newRun(id: string, overrides: Partial<NewRun> = {}): NewRun {
  return {
    id,
    project: 'iris',
    modelName: 'iris',
    workflowId: `run-${id}`,
    params: Hyperparameters.parse({ learning_rate: 0.05, extras: { max_depth: 6 } }),
    policy: RunPolicy.parse({ timeout_seconds: 60, retry_count_limit: 2 }),
    ...overrides,
  };
}
