import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { datasetProfileKey } from '../../../core/artifacts/artifact-keys.js';
import { storeDatasetVersion, type StoredDatasetVersion } from '../../../core/datasets/store-dataset-version.js';
import { datasetProfileOf } from '../../../core/datasets/stored-dataset-profile.js';
import { MissingDataError } from '../../../core/errors.js';
import { DatasetSpec } from '../../../core/specs/dataset.js';
import { MemoryArtifactStore } from '../snapshots/memory-artifact-store.js';

const CSV = 'sepal,species\n5.1,setosa\n4.9,setosa\n7.0,versicolor\n6.4,versicolor\n6.3,virginica\n5.8,virginica\n';

describe('datasetProfileOf', () => {
  let dir: string;
  let store: MemoryArtifactStore;
  let stored: StoredDatasetVersion;
  let key: string;
  const spec = DatasetSpec.parse({ name: 'iris', path: 'iris.csv', target_column: 'species', split: { test_fraction: 0.5, seed: 7 } });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-profile-'));
    await writeFile(join(dir, 'iris.csv'), CSV);
    store = new MemoryArtifactStore();
    stored = await storeDatasetVersion(store, spec, join(dir, 'iris.csv'));
    key = datasetProfileKey('iris', stored.versionId);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads the stored profile and writes nothing', async () => {
    const put = vi.spyOn(store, 'put');
    const profile = await datasetProfileOf(store, 'iris', stored.versionId);
    expect(profile).toMatchObject({ dataset: 'iris', version: stored.versionId, rows: 3, target: { name: 'species', count: 3 } });
    expect(put).not.toHaveBeenCalled();
  });

  it('computes and stores the profile of a version stored before profiles, the same one a new version gets', async () => {
    const original = await datasetProfileOf(store, 'iris', stored.versionId);
    store.objects.delete(key);
    expect(await datasetProfileOf(store, 'iris', stored.versionId)).toEqual(original);
    expect(store.objects.has(key)).toBe(true);
  });

  it('computes again a stored profile that no longer parses', async () => {
    const original = await datasetProfileOf(store, 'iris', stored.versionId);
    await store.put(key, '{"dataset": "iris", "features": "older layout"}');
    expect(await datasetProfileOf(store, 'iris', stored.versionId)).toEqual(original);
  });

  it('refuses a version whose files are gone with MissingDataError on version', async () => {
    const error = await datasetProfileOf(store, 'iris', '0000000000000000').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingDataError);
    expect((error as MissingDataError).field).toBe('version');
    expect((error as Error).message).toContain('iris@0000000000000000');
  });
});
