import { sourceSnapshotPrefix } from '../artifacts/artifact-keys.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { NotFoundError, SpecValidationError } from '../errors.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { resolveParams, resolvePolicy, type RunRequest } from '../specs/run-request.js';
import type { PipelineInput } from '../../workflows/pipeline-input.js';

/**
 * A run request resolved against the registered project, dataset and environment: everything a
 * pipeline needs but its run id. Used by the API, by scheduled runs (at fire time, so they
 * run the project as it is then) and by the dataset watcher.
 */
export async function resolveRun(
  metadata: MetadataStore,
  request: RunRequest,
  options: { gpuTaskQueue?: string; artifacts?: ArtifactStore } = {},
): Promise<Omit<PipelineInput, 'runId'>> {
  const project = await metadata.projects.get(request.project);
  if (!project) throw new SpecValidationError([{ path: 'project', message: `project "${request.project}" is not registered` }]);
  const spec = project.spec;
  const params = resolveParams(spec, request.params);
  const policy = resolvePolicy(spec, request.run_policy);
  const dataset = await metadata.datasets.get(spec.dataset);
  if (!dataset) throw new NotFoundError('dataset', spec.dataset);
  const environment = spec.environment ? await metadata.environments.get(spec.environment) : await metadata.environments.getDefault();
  if (!environment) throw new NotFoundError('environment', spec.environment ?? '(default)');
  const snapshot = request.source_snapshot;
  // A snapshot is stored whole once its manifest is (core/snapshots/source-snapshot.ts).
  if (snapshot && !(await options.artifacts?.exists(`${sourceSnapshotPrefix(snapshot)}/manifest.json`))) {
    throw new SpecValidationError([{ path: 'source_snapshot', message: `no stored source snapshot ${snapshot}` }]);
  }
  return {
    project: spec,
    dataset: dataset.spec,
    environment: { name: environment.name, spec: environment.spec, digest: environment.specDigest },
    params,
    policy,
    cache: request.cache,
    ...(snapshot ? { sourceSnapshot: snapshot } : {}),
    ...(options.gpuTaskQueue ? { gpuTaskQueue: options.gpuTaskQueue } : {}),
  };
}
