import { PassThrough, Readable } from 'node:stream';
import { datasetVersionPrefix } from '../artifacts/artifact-keys.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { NewDatasetVersion } from '../metadata/datasets-repository.js';
import type { DatasetSpec } from '../specs/dataset.js';
import { type DatasetSource, datasetSource } from './dataset-source.js';
import { type DatasetScan, scanDataset, scanSource } from './dataset-scan.js';
import { DatasetManifest, datasetVersionId, splitParamsOf, versionDataset } from './dataset-version.js';
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
 * through `store`, which must then be an S3 store); see storeScannedDataset.
 */
export async function storeDatasetVersion(store: ArtifactStore, spec: DatasetSpec, csvPath: string): Promise<StoredDatasetVersion> {
  const source = datasetSource(csvPath, store);
  return storeScannedDataset(store, spec, source, await scanSource(source));
}

/** The metadata record of a stored (or pinned) version of `datasetName`. */
export function versionRecordOf(
  datasetName: string,
  stored: Pick<StoredDatasetVersion, 'versionId' | 'prefix'> & { manifest: Pick<DatasetManifest, 'content_sha256' | 'split' | 'train_rows' | 'test_rows'> },
): NewDatasetVersion {
  const { manifest } = stored;
  return {
    id: stored.versionId,
    datasetName,
    contentSha256: manifest.content_sha256,
    split: manifest.split,
    trainRows: manifest.train_rows,
    testRows: manifest.test_rows,
    artifactPrefix: stored.prefix,
  };
}

/** storeScannedDataset over bytes in memory (small data, tests). */
export async function storeDatasetBytes(store: ArtifactStore, spec: DatasetSpec, bytes: Buffer): Promise<StoredDatasetVersion> {
  const source: DatasetSource = { path: spec.path, fingerprint: async () => 'memory', open: async () => Readable.from([bytes]) };
  return storeScannedDataset(store, spec, source, await scanDataset(await source.open()));
}

/**
 * Stores the version of `spec`'s dataset that `source` holds, `scan` being its first pass
 * (scanSource: with the source's write stamp, so the bytes need not be hashed again).
 * Idempotent: the version id is known from the hash alone, so an already stored version is
 * found without parsing. The bytes are streamed, never held whole (versionDataset).
 * `dataset.json` is written last and marks the version complete. The version's feature profile
 * (of its train split) is written with it, once; a version stored before profiles gets it here.
 */
export async function storeScannedDataset(store: ArtifactStore, spec: DatasetSpec, source: DatasetSource, scan: DatasetScan): Promise<StoredDatasetVersion> {
  const versionId = datasetVersionId(scan.sha256, spec.target_column, splitParamsOf(spec));
  const prefix = datasetVersionPrefix(spec.name, versionId);
  const manifestKey = `${prefix}/dataset.json`;
  if (await store.exists(manifestKey)) {
    const manifest = DatasetManifest.parse(JSON.parse((await store.getBuffer(manifestKey)).toString('utf8')));
    await ensureDatasetProfile(store, spec.name, versionId);
    return { versionId, prefix, manifest, reused: true };
  }

  let puts: Promise<unknown>[] = [];
  const openSinks = () => {
    const sinks = { source: quietSink(), train: quietSink(), test: quietSink() };
    // Each put consumes its sink as it is written; a put that fails stops the pass through its sink.
    // The source sink is ended only when its bytes hash to the scan's (versionDataset): no need to hash them again.
    // Nothing reads train's and test's hashes: a store that would hash them only to return them need not.
    const known = { source: { sha256: scan.sha256 }, train: { unhashed: true as const }, test: { unhashed: true as const } };
    puts = (['source', 'train', 'test'] as const).map((name) =>
      store.put(`${prefix}/${name}.csv`, sinks[name], known[name]).catch((error: unknown) => {
        sinks[name].destroy(error as Error);
        throw error;
      }),
    );
    // Awaited below once the pass ends; until then a failed put must not count as unhandled.
    for (const put of puts) put.catch(() => undefined);
    return sinks;
  };
  let versioned: Awaited<ReturnType<typeof versionDataset>>;
  try {
    versioned = await versionDataset(spec, () => source.open(), scan, openSinks, source.writeStamp?.bind(source));
  } catch (error) {
    // versionDataset destroyed the sinks, if it had opened them: each put removes what it had begun.
    await Promise.allSettled(puts);
    throw error;
  }
  await Promise.all(puts);
  // Before the manifest: a complete version always has its profile.
  await putDatasetProfile(store, versioned.profile);
  await store.put(manifestKey, `${JSON.stringify(versioned.manifest, null, 2)}\n`);
  return { versionId, prefix, manifest: versioned.manifest, reused: false };
}

/** A sink whose failure is reported by its put and by the pass writing to it, not as an unhandled 'error' event. */
function quietSink(): PassThrough {
  return new PassThrough().on('error', () => undefined);
}
