import type { ArtifactStore } from '../core/artifacts/artifact-store.js';
import type { DatasetProfile } from '../core/datasets/dataset-profile.js';
import { datasetProfileOf } from '../core/datasets/stored-dataset-profile.js';
import { BackendUnavailableError, NotFoundError } from '../core/errors.js';
import type { MetadataStore } from '../core/metadata/metadata-store.js';

export interface DatasetsServiceOptions {
  metadata: MetadataStore;
  /** Where the versions and their profiles are stored. Absent: profiles answer 503. */
  artifacts?: ArtifactStore;
}

/** The feature profiles of dataset versions, by dataset or through the model versions trained on them. */
export class DatasetsService {
  constructor(private readonly options: DatasetsServiceOptions) {}

  /** The profile of a version of `dataset` (default: the newest one stored). */
  async profile(dataset: string, version?: string): Promise<DatasetProfile> {
    const { datasets } = this.options.metadata;
    if (!(await datasets.get(dataset))) throw new NotFoundError('dataset', dataset);
    const record = version === undefined ? (await datasets.listVersions(dataset))[0] : await datasets.getVersion(version);
    // A dataset has no version until a run (or its watch) stores one; a version id of another dataset is not this one's.
    if (record?.datasetName !== dataset) throw new NotFoundError('dataset version', `${dataset}@${version ?? 'newest'}`);
    return datasetProfileOf(this.artifacts(), dataset, record.id);
  }

  /** The profile of the dataset version a model version was trained on. */
  async modelVersionProfile(model: string, version: number): Promise<DatasetProfile> {
    const { metadata } = this.options;
    const registered = await metadata.models.get(model, version);
    if (!registered) throw new NotFoundError('model version', `${model} v${version}`);
    const trainedOn = registered.datasetVersion === null ? undefined : await metadata.datasets.getVersion(registered.datasetVersion);
    if (!trainedOn) throw new NotFoundError('dataset version', `${registered.datasetVersion ?? 'none'} (of ${model} v${version})`);
    return datasetProfileOf(this.artifacts(), trainedOn.datasetName, trainedOn.id);
  }

  private artifacts(): ArtifactStore {
    if (!this.options.artifacts) throw new BackendUnavailableError('artifact store', 'this API was started without one, so it cannot read dataset profiles');
    return this.options.artifacts;
  }
}
