import { stageOutputPrefix } from '../core/artifacts/artifact-keys.js';
import type { Hyperparameters } from '../core/specs/hyperparameters.js';
import type { ActivityDeps } from './activity-deps.js';

export interface RegisterModelInput {
  runId: string;
  /** The run holding the train stage's outputs when this run reused them; default `runId`. */
  trainRunId?: string;
  modelName: string;
  datasetVersion: string;
  environmentDigest: string;
  sourceDigest: string;
  params: Hyperparameters;
  metrics: Record<string, number>;
}

/** The model registry: versions with full lineage. */
export function createRegistryActivities({ metadata }: ActivityDeps) {
  return {
    /**
     * Idempotent by run: a retried registration returns the version it already got. The model
     * files are the train stage's outputs, immutable in the artifact store, so nothing is copied
     * and this is a metadata write only. A train stage reused from the cache names the version
     * that already holds those files (`existing`) instead of registering them again.
     */
    async registerModel(input: RegisterModelInput): Promise<{ version: number; artifactPrefix: string; existing?: boolean }> {
      const artifactPrefix = stageOutputPrefix(input.trainRunId ?? input.runId, 'train');
      const registered = await metadata.models.register({
        modelName: input.modelName,
        runId: input.runId,
        datasetVersion: input.datasetVersion,
        environmentDigest: input.environmentDigest,
        sourceDigest: input.sourceDigest,
        params: input.params,
        metrics: input.metrics,
        artifactPrefix,
      });
      return { version: registered.version, artifactPrefix: registered.artifactPrefix, ...(registered.existing ? { existing: true } : {}) };
    },
  };
}
