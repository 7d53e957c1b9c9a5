import type { ArtifactStore } from '../core/artifacts/artifact-store.js';
import { datasetProfileOf } from '../core/datasets/stored-dataset-profile.js';
import { MissingDataError, NotFoundError } from '../core/errors.js';
import type { MetadataStore } from '../core/metadata/metadata-store.js';
import type { DatasetProfile } from '../core/monitoring/feature-profile.js';

/**
 * The profile a model version is monitored against: that of the train split of the dataset
 * version it was trained on (stored with the version; computed and stored on first use for
 * versions older than profiles).
 */
export async function referenceProfileOf(
  deps: { metadata: MetadataStore; artifacts: ArtifactStore },
  modelName: string,
  version: number,
): Promise<DatasetProfile> {
  const { metadata, artifacts } = deps;
  const modelVersion = await metadata.models.get(modelName, version);
  if (!modelVersion) throw new NotFoundError('model version', `${modelName} v${version}`);
  if (!modelVersion.datasetVersion) throw new MissingDataError('datasetVersion', `${modelName} v${version} records no dataset version to compare with`);
  const datasetVersion = await metadata.datasets.getVersion(modelVersion.datasetVersion);
  if (!datasetVersion)
    throw new MissingDataError('datasetVersion', `dataset version ${modelVersion.datasetVersion} of ${modelName} v${version} is not recorded`);
  return datasetProfileOf(artifacts, datasetVersion.datasetName, datasetVersion.id);
}
