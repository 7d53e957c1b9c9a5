import { modelPrefix, stageOutputPrefix } from '../core/artifacts/artifact-keys.js';
import type { Hyperparameters } from '../core/specs/hyperparameters.js';
import type { ActivityDeps } from './activity-deps.js';

export interface RegisterModelInput {
  runId: string;
  modelName: string;
  datasetVersion: string;
  environmentDigest: string;
  sourceDigest: string;
  params: Hyperparameters;
  metrics: Record<string, number>;
}

/** The model registry: versions with full lineage. */
export function createRegistryActivities({ metadata, artifacts }: ActivityDeps) {
  return {
    /** Idempotent by run: a retried registration returns the version it already got. */
    async registerModel(input: RegisterModelInput): Promise<{ version: number; artifactPrefix: string }> {
      const registered = await metadata.models.register({
        modelName: input.modelName,
        runId: input.runId,
        datasetVersion: input.datasetVersion,
        environmentDigest: input.environmentDigest,
        sourceDigest: input.sourceDigest,
        params: input.params,
        metrics: input.metrics,
        artifactPrefix: (version) => modelPrefix(input.modelName, version),
      });
      const prefix = modelPrefix(input.modelName, registered.version);
      const source = stageOutputPrefix(input.runId, 'train');
      for (const key of await artifacts.list(source)) {
        const relative = key.slice(source.length).replace(/^\//, '');
        const target = `${prefix}/${relative}`;
        if (!(await artifacts.exists(target))) await artifacts.put(target, await artifacts.get(key));
      }
      return { version: registered.version, artifactPrefix: prefix };
    },
  };
}
