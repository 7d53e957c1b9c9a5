import { modelPrefix } from '../artifacts/artifact-keys.js';
import { NotFoundError } from '../errors.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { serveSettingsOf, type ServeSettings } from '../specs/serve-settings.js';
import { DEFAULT_PREDICTION_LOG, type PredictionLogSettings } from '../specs/prediction-log.js';

/** What serving a model version needs, from the registry and the run that trained it. */
export interface ServingTarget {
  modelName: string;
  version: number;
  runId: string;
  /** `file.py:Name`: the project's predict entrypoint, else its train entrypoint. */
  entrypoint: string;
  sourceDigest: string;
  environmentDigest: string;
  artifactPrefix: string;
  /** The project's `serve` settings, defaults filled in. */
  serveSettings: ServeSettings;
  /** The project's prediction_log settings, defaults filled in. */
  predictionLog: PredictionLogSettings;
}

export async function resolveServingTarget(metadata: MetadataStore, modelName: string, version: number): Promise<ServingTarget> {
  const model = await metadata.models.get(modelName, version);
  if (!model) throw new NotFoundError('model version', `${modelName} v${version}`);
  const run = await metadata.runs.getRun(model.runId);
  const project = run && (await metadata.projects.get(run.project));
  const entrypoint = project?.spec.entrypoints.predict ?? project?.spec.entrypoints.train;
  if (!entrypoint || !model.sourceDigest || !model.environmentDigest) throw new NotFoundError('predict entrypoint for', `${modelName} v${version}`);
  return {
    modelName,
    version,
    runId: model.runId,
    entrypoint,
    sourceDigest: model.sourceDigest,
    environmentDigest: model.environmentDigest,
    artifactPrefix: model.artifactPrefix || modelPrefix(modelName, version),
    serveSettings: serveSettingsOf(project?.spec.serve),
    predictionLog: project?.spec.prediction_log ?? DEFAULT_PREDICTION_LOG,
  };
}
