import type { EnvironmentRef } from '../activities/environments.js';
import type { DatasetSpec } from '../core/specs/dataset.js';
import type { Hyperparameters } from '../core/specs/hyperparameters.js';
import type { ProjectSpec } from '../core/specs/project.js';
import type { RunPolicy } from '../core/specs/run-policy.js';

/** Everything a run needs, validated and resolved by the API before the workflow starts. */
export interface PipelineInput {
  runId: string;
  /** Project spec with `source_dir` made absolute. */
  project: ProjectSpec;
  /** Dataset spec with `path` made absolute. */
  dataset: DatasetSpec;
  environment: EnvironmentRef;
  params: Hyperparameters;
  policy: RunPolicy;
}
