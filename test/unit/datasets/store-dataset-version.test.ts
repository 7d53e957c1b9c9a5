import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { datasetProfileKey } from '../../../core/artifacts/artifact-keys.js';
import { FilesystemArtifactStore } from '../../../core/artifacts/filesystem-store.js';
import { DatasetProfile } from '../../../core/datasets/dataset-profile.js';
import type { DatasetSource } from '../../../core/datasets/dataset-source.js';
import { scanDataset } from '../../../core/datasets/dataset-scan.js';
import { DatasetChangedError } from '../../../core/datasets/dataset-version.js';
import { storeDatasetVersion, storeScannedDataset } from '../../../core/datasets/store-dataset-version.js';
import { MissingDataError, SpecValidationError } from '../../../core/errors.js';
import { DatasetSpec } from '../../../core/specs/dataset.js';
import { MemoryArtifactStore } from '../snapshots/memory-artifact-store.js';

const CSV = 'sepal,species\n5.1,setosa\n4.9,setosa\n7.0,versicolor\n6.4,versicolor\n6.3,virginica\n5.8,virginica\n';

describe('storeDatasetVersion', () => {
  let dir: string;
  let csvPath: string;
  let store: MemoryArtifactStore;
  const spec = DatasetSpec.parse({ name: 'iris', path: 'iris.csv', target_column: 'species', split: { test_fraction: 0.5 } });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-dataset-'));
    csvPath = join(dir, 'iris.csv');
    await writeFile(csvPath, CSV);
    store = new MemoryArtifactStore();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes train, test, manifest, source and profile under datasets/<name>/<version>', async () => {
    const stored = await storeDatasetVersion(store, spec, csvPath);
    expect(stored.prefix).toBe(`datasets/iris/${stored.versionId}`);
    expect(await store.list(stored.prefix)).toEqual(
      ['dataset.json', 'profile.json', 'source.csv', 'test.csv', 'train.csv'].map((f) => `${stored.prefix}/${f}`),
    );
    expect((await store.getBuffer(`${stored.prefix}/source.csv`)).toString()).toBe(CSV);
    const manifest = JSON.parse((await store.getBuffer(`${stored.prefix}/dataset.json`)).toString());
    expect(manifest).toEqual(stored.manifest);
    expect(manifest).toMatchObject({ dataset: 'iris', rows: 6, train_rows: 3, test_rows: 3 });
    expect(stored.reused).toBe(false);
  });

  it('writes the manifest last, so its presence means the version is complete', async () => {
    const put = vi.spyOn(store, 'put');
    await storeDatasetVersion(store, spec, csvPath);
    expect(put.mock.calls.at(-1)?.[0]).toMatch(/\/dataset\.json$/);
  });

  it('is idempotent: a stored version is returned without writing anything', async () => {
    const first = await storeDatasetVersion(store, spec, csvPath);
    const put = vi.spyOn(store, 'put');
    const second = await storeDatasetVersion(store, spec, csvPath);
    expect(put).not.toHaveBeenCalled();
    expect(second).toEqual({ ...first, reused: true });
  });

  it('writes the profile of the train split exactly once, before the manifest', async () => {
    const put = vi.spyOn(store, 'put');
    const stored = await storeDatasetVersion(store, spec, csvPath);
    await storeDatasetVersion(store, spec, csvPath);
    const keys = put.mock.calls.map(([key]) => key);
    expect(keys.filter((key) => key === datasetProfileKey('iris', stored.versionId))).toHaveLength(1);
    expect(keys.indexOf(datasetProfileKey('iris', stored.versionId))).toBeLessThan(keys.indexOf(`${stored.prefix}/dataset.json`));
    const profile = DatasetProfile.parse(JSON.parse((await store.getBuffer(datasetProfileKey('iris', stored.versionId))).toString()));
    expect(profile).toMatchObject({ dataset: 'iris', version: stored.versionId, rows: stored.manifest.train_rows, target: { name: 'species' } });
    expect(profile.features.map((f) => f.name)).toEqual(['sepal']);
  });

  it('gives a version stored before profiles existed the profile it would have got, when stored again', async () => {
    const stored = await storeDatasetVersion(store, spec, csvPath);
    const key = datasetProfileKey('iris', stored.versionId);
    const original = store.objects.get(key);
    store.objects.delete(key);
    expect(await storeDatasetVersion(store, spec, csvPath)).toEqual({ ...stored, reused: true });
    expect(store.objects.get(key)).toEqual(original);
  });

  it('stores another version when the split seed changes', async () => {
    const first = await storeDatasetVersion(store, spec, csvPath);
    const reseeded = DatasetSpec.parse({ ...spec, split: { ...spec.split, seed: 1 } });
    const second = await storeDatasetVersion(store, reseeded, csvPath);
    expect(second.versionId).not.toBe(first.versionId);
    expect(await store.exists(`${second.prefix}/dataset.json`)).toBe(true);
  });

  it('reports a missing file as missing data on dataset.path', async () => {
    const error = await storeDatasetVersion(store, spec, join(dir, 'missing.csv')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingDataError);
    expect((error as MissingDataError).field).toBe('dataset.path');
    expect((error as MissingDataError).message).toContain('missing.csv does not exist');
    expect(store.objects.size).toBe(0);
  });

  describe.each([
    ['LF', (text: string) => text],
    ['CRLF', (text: string) => text.replace(/\n/g, '\r\n')],
  ])('refuses bad input (%s line endings) with a SpecValidationError naming the problem, writing nothing', (_endings, ending) => {
    it.each([
      ['a quote never closed', 'sepal,species\n5.1,setosa\n"4.9,setosa\n7.0,versicolor\n', 'dataset.path', /^line 3: quoted field is never closed/],
      ['text after a closing quote', 'sepal,species\n5.1,setosa\n"4.9"x,setosa\n', 'dataset.path', /^line 3: unexpected text after a closing quote/],
      ['a ragged row', 'sepal,species\n5.1,setosa\n4.9\n7.0,versicolor\n', 'dataset.path', /^line 3 has 1 field\(s\), the header has 2/],
      ['a row too long', 'sepal,species\n5.1,setosa\n4.9,setosa,x\n', 'dataset.path', /^line 3 has 3 field/],
      ['an empty file', '', 'dataset.path', /the CSV file is empty/],
      [
        'a header without the target',
        'sepal,kind\n5.1,setosa\n4.9,setosa\n',
        'dataset.target_column',
        /column "species" is not in the CSV header \(2 columns\)/,
      ],
      ['a file of data without its header', '5.1,setosa\n4.9,setosa\n7.0,versicolor\n', 'dataset.target_column', /is not in the CSV header/],
      ['a header and one row', 'sepal,species\n5.1,setosa\n', 'dataset.path', /needs at least 2 data rows to split, has 1/],
    ])('%s', async (_label, text, path, message) => {
      await writeFile(csvPath, ending(text));
      const error = await storeDatasetVersion(store, spec, csvPath).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SpecValidationError);
      const [problem] = (error as SpecValidationError).problems;
      expect(problem?.path).toBe(path);
      expect(problem?.message).toMatch(message);
      expect(problem?.message).not.toContain('setosa');
      expect(store.objects.size).toBe(0);
    });
  });

  /** A source whose bytes change after the scan and the first pass: the pass that writes the split reads others. */
  function changingSource(): DatasetSource {
    let opened = 0;
    return {
      path: csvPath,
      fingerprint: async () => 'changing',
      open: async () => Readable.from([Buffer.from(++opened < 3 ? CSV : CSV.replace('5.1', '5.2'))]),
    };
  }

  it('stores nothing when the file changes between its passes, and says it will be read again', async () => {
    const source = changingSource();
    const error = await storeScannedDataset(store, spec, source, await scanDataset(await source.open())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetChangedError);
    expect((error as Error).message).toContain('changed while it was being read');
    expect(store.objects.size).toBe(0);
  });

  it('stores nothing on disk either when the file changes between its passes (the filesystem store takes the checked hash)', async () => {
    const source = changingSource();
    const files = new FilesystemArtifactStore(join(dir, 'artifacts'));
    const error = await storeScannedDataset(files, spec, source, await scanDataset(await source.open())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetChangedError);
    expect(await files.list('')).toEqual([]);
    const stored = await storeDatasetVersion(files, spec, csvPath);
    expect((await files.put('check/source.csv', CSV)).sha256).toBe(stored.manifest.content_sha256);
    expect((await files.getBuffer(`${stored.prefix}/source.csv`)).toString()).toBe(CSV);
  });

  it("leaves no manifest when the store fails while the split is written, and reports the store's error", async () => {
    const failing = new MemoryArtifactStore();
    const put = failing.put.bind(failing);
    failing.put = async (key, body) => {
      if (key.endsWith('/train.csv')) throw new Error('disk full');
      return put(key, body);
    };
    await expect(storeDatasetVersion(failing, spec, csvPath)).rejects.toThrow('disk full');
    expect([...failing.objects.keys()].filter((key) => key.endsWith('dataset.json') || key.endsWith('train.csv'))).toEqual([]);
  });
});
