import { datasetVersionPrefix } from '../artifacts/artifact-keys.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { DatasetSpec } from '../specs/dataset.js';
import { computeDatasetProfile } from './dataset-profile.js';
import { DatasetManifest, datasetVersion, datasetVersionId, readDatasetFile, sha256Hex, splitParamsOf } from './dataset-version.js';
import { ensureDatasetProfile, putDatasetProfile } from './stored-dataset-profile.js';

export interface StoredDatasetVersion {
  versionId: string;
  /** Store key prefix holding `train.csv`, `test.csv`, `dataset.json`, `source.csv` and `profile.json`. */
  prefix: string;
  manifest: DatasetManifest;
  /** True when this version was already stored and nothing was written. */
  reused: boolean;
}

/**
 * Stores a version of `spec`'s dataset read from `csvPath` (a file, or an `s3://` object read
 * through `store`, which must then be an S3 store); see storeDatasetBytes.
 */
export async function storeDatasetVersion(store: ArtifactStore, spec: DatasetSpec, csvPath: string): Promise<StoredDatasetVersion> {
  return storeDatasetBytes(store, spec, await readDatasetFile(csvPath, store));
}

/**
 * Stores the version of `spec`'s dataset whose content is `bytes`. Idempotent: the version id
 * is known from the hash alone, so an already stored version is found without parsing.
 * `dataset.json` is written last and marks the version complete. The version's feature profile
 * (of its train split) is written with it, once; a version stored before profiles gets it here.
 */
export async function storeDatasetBytes(store: ArtifactStore, spec: DatasetSpec, bytes: Buffer): Promise<StoredDatasetVersion> {
  const versionId = datasetVersionId(sha256Hex(bytes), spec.target_column, splitParamsOf(spec));
  const prefix = datasetVersionPrefix(spec.name, versionId);
  const manifestKey = `${prefix}/dataset.json`;
  if (await store.exists(manifestKey)) {
    const manifest = DatasetManifest.parse(JSON.parse((await store.getBuffer(manifestKey)).toString('utf8')));
    await ensureDatasetProfile(store, spec.name, versionId);
    return { versionId, prefix, manifest, reused: true };
  }

  const version = datasetVersion(spec, bytes);
  await store.put(`${prefix}/source.csv`, bytes);
  await store.put(`${prefix}/train.csv`, version.train);
  await store.put(`${prefix}/test.csv`, version.test);
  // Before the manifest: a complete version always has its profile.
  await putDatasetProfile(
    store,
    computeDatasetProfile({ dataset: spec.name, version: versionId, csv: version.train, targetColumn: spec.target_column, seed: spec.split.seed }),
  );
  await store.put(manifestKey, `${JSON.stringify(version.manifest, null, 2)}\n`);
  return { versionId, prefix, manifest: version.manifest, reused: false };
}
