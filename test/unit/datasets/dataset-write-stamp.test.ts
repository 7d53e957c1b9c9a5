import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatasetSource, datasetSource } from '../../../core/datasets/dataset-source.js';
import { scanSource } from '../../../core/datasets/dataset-scan.js';
import { DatasetChangedError } from '../../../core/datasets/dataset-version.js';
import { storeDatasetBytes, storeDatasetVersion, storeScannedDataset } from '../../../core/datasets/store-dataset-version.js';
import { DatasetSpec } from '../../../core/specs/dataset.js';
import { MemoryArtifactStore } from '../snapshots/memory-artifact-store.js';

const CSV = 'sepal,species\n5.1,setosa\n4.9,setosa\n7.0,versicolor\n6.4,versicolor\n6.3,virginica\n5.8,virginica\n';
const spec = DatasetSpec.parse({ name: 'iris', path: 'iris.csv', target_column: 'species', split: { test_fraction: 0.5 } });

/** A file's own source, whose content is written again (`bytes`) just before its `pass`-th opening: 1 the scan, 2 the labels, 3 the split. */
function writtenBeforePass(path: string, pass: number, bytes: string): DatasetSource {
  const file = datasetSource(path);
  let opened = 0;
  return {
    path,
    fingerprint: () => file.fingerprint(),
    writeStamp: () => file.writeStamp!(),
    open: async () => {
      if (++opened === pass) await writeFile(path, bytes);
      return file.open();
    },
  };
}

describe("a dataset file's write stamp", () => {
  let dir: string;
  const path = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-write-stamp-'));
    for (const name of ['unchanged.csv', 'rewritten.csv', 'same-bytes.csv', 'recent.csv']) await writeFile(path(name), CSV);
    // Past the margin of a recent change (a second), so these files have stamps.
    await new Promise((resolve) => setTimeout(resolve, 1100));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is the same on every look while nobody writes the file, and none right after a write', async () => {
    const source = datasetSource(path('recent.csv'));
    const stamp = await source.writeStamp!();
    expect(stamp).toMatch(/^file:\d+:\d+:\d+:\d+:\d+$/);
    expect(await source.writeStamp!()).toBe(stamp);
    await writeFile(path('recent.csv'), CSV);
    // A change this recent could be followed by another in the same clock tick, which no time would show.
    expect(await source.writeStamp!()).toBeUndefined();
  });

  it('lets an unchanged file be versioned without hashing it twice, into the same version its bytes make', async () => {
    const source = datasetSource(path('unchanged.csv'));
    const scan = await scanSource(source);
    expect(scan.stamp).toBe(await source.writeStamp!());
    const store = new MemoryArtifactStore();
    const stored = await storeScannedDataset(store, spec, source, scan);
    const fromBytes = new MemoryArtifactStore();
    const expected = await storeDatasetBytes(fromBytes, spec, Buffer.from(CSV));
    expect(stored).toEqual(expected);
    for (const file of ['source.csv', 'train.csv', 'test.csv', 'profile.json'])
      expect((await store.getBuffer(`${stored.prefix}/${file}`)).toString(), file).toBe((await fromBytes.getBuffer(`${expected.prefix}/${file}`)).toString());
  });

  it('refuses the version when the file is written between its passes, storing nothing', async () => {
    const source = writtenBeforePass(path('rewritten.csv'), 3, CSV.replace('5.1', '5.2'));
    const store = new MemoryArtifactStore();
    const error = await storeScannedDataset(store, spec, source, await scanSource(source)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetChangedError);
    expect(store.objects.size).toBe(0);
    // Read again, as the next attempt does: the file's new bytes make their own version.
    const stored = await storeDatasetVersion(store, spec, path('rewritten.csv'));
    expect((await store.getBuffer(`${stored.prefix}/source.csv`)).toString()).toBe(CSV.replace('5.1', '5.2'));
  });

  it('is what is checked, not a second hash: a write of the very same bytes between passes refuses the version too', async () => {
    const source = writtenBeforePass(path('same-bytes.csv'), 2, CSV);
    const store = new MemoryArtifactStore();
    const error = await storeScannedDataset(store, spec, source, await scanSource(source)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetChangedError);
    expect(store.objects.size).toBe(0);
  });
});
