import { datasetProfileKey, datasetVersionPrefix } from '../artifacts/artifact-keys.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { MissingDataError } from '../errors.js';
import { DatasetProfile, profileCsv } from './dataset-profile.js';
import { DatasetManifest } from './dataset-version.js';

/** Stores a version's profile at `datasetProfileKey`; compact, as its samples make it the largest JSON of a version. */
export async function putDatasetProfile(store: ArtifactStore, profile: DatasetProfile): Promise<void> {
  await store.put(datasetProfileKey(profile.dataset, profile.version), `${JSON.stringify(profile)}\n`);
}

/**
 * The profile of a stored dataset version. A version stored before profiles existed, or one
 * whose profile no longer parses (written by an older Kiln), gets it computed from its train
 * split now, and stored. MissingDataError on `version` when the version's files are gone.
 */
export async function datasetProfileOf(store: ArtifactStore, dataset: string, version: string): Promise<DatasetProfile> {
  return (await readDatasetProfile(store, dataset, version)) ?? profileStoredVersion(store, dataset, version);
}

/** Gives a stored version its profile if it has none; reads nothing more when it has one. */
export async function ensureDatasetProfile(store: ArtifactStore, dataset: string, version: string): Promise<void> {
  if (!(await store.exists(datasetProfileKey(dataset, version)))) await profileStoredVersion(store, dataset, version);
}

async function readDatasetProfile(store: ArtifactStore, dataset: string, version: string): Promise<DatasetProfile | undefined> {
  const key = datasetProfileKey(dataset, version);
  if (!(await store.exists(key))) return undefined;
  try {
    return DatasetProfile.parse(JSON.parse((await store.getBuffer(key)).toString('utf8')));
  } catch {
    // Computed again below: the train split it came from is still there.
    return undefined;
  }
}

async function profileStoredVersion(store: ArtifactStore, dataset: string, version: string): Promise<DatasetProfile> {
  const prefix = datasetVersionPrefix(dataset, version);
  const manifestKey = `${prefix}/dataset.json`;
  if (!(await store.exists(manifestKey))) {
    throw new MissingDataError('version', `dataset version ${dataset}@${version} is recorded, but its files are not in ${store.description}`);
  }
  const manifest = DatasetManifest.parse(JSON.parse((await store.getBuffer(manifestKey)).toString('utf8')));
  const train = (await store.get(`${prefix}/train.csv`)) as AsyncIterable<Buffer>;
  const profile = await profileCsv(train, { dataset, version, targetColumn: manifest.target_column, seed: manifest.split.seed });
  await putDatasetProfile(store, profile);
  return profile;
}
