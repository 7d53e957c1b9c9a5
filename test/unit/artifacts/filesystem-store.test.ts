import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FilesystemArtifactStore } from '../../../core/artifacts/filesystem-store.js';
import { ConflictError } from '../../../core/errors.js';
import { describeArtifactStore } from './artifact-store-suite.js';

async function freshStore() {
  const root = await mkdtemp(join(tmpdir(), 'kiln-fs-store-'));
  return { store: new FilesystemArtifactStore(root), root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

describeArtifactStore('filesystem', freshStore);

describe('FilesystemArtifactStore on disk', () => {
  let root: string;
  let store: FilesystemArtifactStore;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ root, store, cleanup } = await freshStore()));
  afterEach(() => cleanup());

  it('keeps objects as plain files at their key path', async () => {
    await store.put('datasets/iris/v1/train.csv', 'a,b\n');
    expect(await readFile(join(root, 'datasets', 'iris', 'v1', 'train.csv'), 'utf8')).toBe('a,b\n');
  });

  it('returns the sha256 its caller already computed instead of hashing the bytes again', async () => {
    const known = createHash('sha256').update('a,b\n').digest('hex');
    expect(await store.put('datasets/iris/v1/source.csv', Readable.from([Buffer.from('a,b\n')]), { sha256: known })).toEqual({
      key: 'datasets/iris/v1/source.csv',
      size: 4,
      sha256: known,
    });
    expect(await readFile(join(root, 'datasets', 'iris', 'v1', 'source.csv'), 'utf8')).toBe('a,b\n');
  });

  it('skips hashing when the caller will not read the hash', async () => {
    const info = await store.put('datasets/iris/v1/train.csv', Readable.from([Buffer.from('a,b\n')]), { unhashed: true });
    expect(info).toEqual({ key: 'datasets/iris/v1/train.csv', size: 4, sha256: undefined });
    expect(await readFile(join(root, 'datasets', 'iris', 'v1', 'train.csv'), 'utf8')).toBe('a,b\n');
  });

  it('removes the temp file of a failed write', async () => {
    const failing = Readable.from(
      (async function* () {
        yield Buffer.alloc(4096);
        throw new Error('boom');
      })(),
    );
    await expect(store.put('x/y', failing)).rejects.toThrow('boom');
    expect(await readdir(join(root, '.kiln-incoming'))).toEqual([]);
  });

  it('gives file:// URIs of the object path, and of the root for the empty prefix', () => {
    expect(store.uri('models/iris/1/model.pkl')).toBe(pathToFileURL(join(root, 'models/iris/1/model.pkl')).href);
    expect(store.uri('')).toBe(pathToFileURL(root).href);
  });

  it('describes itself by its root', () => {
    expect(store.description).toBe(`filesystem:${root}`);
  });

  it.each([
    ['an object under an existing object', 'a', 'a/b'],
    ['an object where a prefix exists', 'a/b', 'a'],
  ])('rejects %s with ConflictError', async (_label, first, second) => {
    await store.put(first, '1');
    await expect(store.put(second, '2')).rejects.toBeInstanceOf(ConflictError);
    expect(await store.list('')).toEqual([first]);
    expect(await readdir(join(root, '.kiln-incoming'))).toEqual([]);
  });
});
