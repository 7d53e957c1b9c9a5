import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ArtifactStore } from '../../../core/artifacts/artifact-store.js';
import { FilesystemArtifactStore } from '../../../core/artifacts/filesystem-store.js';
import { BackendUnavailableError, NotFoundError, SpecValidationError } from '../../../core/errors.js';
import { restoreSource, snapshotSource } from '../../../core/snapshots/source-snapshot.js';
import { MemoryArtifactStore } from './memory-artifact-store.js';

const STORES: [string, (dir: string) => ArtifactStore][] = [
  ['memory', () => new MemoryArtifactStore()],
  ['filesystem', (dir) => new FilesystemArtifactStore(join(dir, 'artifacts'))],
];

/** Every file under `dir` as relative path → content, for whole-tree comparisons. */
async function readTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      out[relative(dir, path)] = await readFile(path, 'utf8');
    }
  }
  return out;
}

for (const [storeName, makeStore] of STORES) {
  describe(`source snapshots (${storeName} store)`, () => {
    let dir: string;
    let src: string;
    let store: ArtifactStore;

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'kiln-snapshot-'));
      src = join(dir, 'src');
      store = makeStore(dir);
      await mkdir(join(src, 'pkg'), { recursive: true });
      await writeFile(join(src, 'train.py'), 'print("train")\n');
      await writeFile(join(src, 'pkg', 'model.py'), 'WEIGHTS = [1, 2, 3]\n');
      await writeFile(join(src, 'run.sh'), '#!/bin/sh\necho hi\n');
      await chmod(join(src, 'run.sh'), 0o755);
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    describe('digest', () => {
      it('is the same for the same content whatever the modification times', async () => {
        const first = await snapshotSource(store, src);
        await utimes(join(src, 'train.py'), new Date(2001, 1, 1), new Date(2001, 1, 1));
        const second = await snapshotSource(store, src);
        expect(second.digest).toBe(first.digest);
        expect(first).toMatchObject({ fileCount: 3, reused: false });
        expect(second.reused).toBe(true);
      });

      it('changes when one byte of one file changes', async () => {
        const before = await snapshotSource(store, src);
        await writeFile(join(src, 'pkg', 'model.py'), 'WEIGHTS = [1, 2, 4]\n');
        expect((await snapshotSource(store, src)).digest).not.toBe(before.digest);
      });

      it('changes when only the executable bit changes', async () => {
        const before = await snapshotSource(store, src);
        await chmod(join(src, 'train.py'), 0o755);
        expect((await snapshotSource(store, src)).digest).not.toBe(before.digest);
      });

      it('ignores caches, VCS data and virtual environments, and extra excludes', async () => {
        const before = await snapshotSource(store, src);
        for (const junk of ['__pycache__/model.cpython-311.pyc', '.git/HEAD', '.venv/bin/python', 'node_modules/x/index.js', 'stale.pyc', 'pkg/data/big.bin']) {
          await mkdir(join(src, junk, '..'), { recursive: true });
          await writeFile(join(src, junk), 'junk');
        }
        const after = await snapshotSource(store, src, { exclude: ['pkg/data'] });
        expect(after.digest).toBe(before.digest);
        expect(after.fileCount).toBe(3);
      });
    });

    describe('upload', () => {
      it('stores each file and a manifest under sources/<digest>', async () => {
        const snap = await snapshotSource(store, src);
        expect(await store.list(`sources/${snap.digest}`)).toEqual([
          `sources/${snap.digest}/files/pkg/model.py`,
          `sources/${snap.digest}/files/run.sh`,
          `sources/${snap.digest}/files/train.py`,
          `sources/${snap.digest}/manifest.json`,
        ]);
        expect(snap.bytes).toBe('print("train")\n'.length + 'WEIGHTS = [1, 2, 3]\n'.length + '#!/bin/sh\necho hi\n'.length);
      });

      it('uploads a snapshot only once', async () => {
        await snapshotSource(store, src);
        const put = vi.spyOn(store, 'put');
        const putFile = vi.spyOn(store, 'putFile');
        expect((await snapshotSource(store, src)).reused).toBe(true);
        expect(put).not.toHaveBeenCalled();
        expect(putFile).not.toHaveBeenCalled();
      });
    });

    describe('restore', () => {
      it('reproduces the files and executable bits exactly', async () => {
        const snap = await snapshotSource(store, src);
        const target = join(dir, 'restored');
        await restoreSource(store, snap.digest, target);
        expect(await readTree(target)).toEqual(await readTree(src));
        expect((await stat(join(target, 'run.sh'))).mode & 0o111).not.toBe(0);
        expect((await stat(join(target, 'train.py'))).mode & 0o111).toBe(0);
      });

      it('gives the snapshotted content after the source changes on disk', async () => {
        const snap = await snapshotSource(store, src);
        await writeFile(join(src, 'train.py'), 'print("edited after the run started")\n');
        const target = join(dir, 'restored');
        await restoreSource(store, snap.digest, target);
        expect(await readFile(join(target, 'train.py'), 'utf8')).toBe('print("train")\n');
      });

      it('fails naming the file whose stored bytes do not match the manifest', async () => {
        const snap = await snapshotSource(store, src);
        await store.put(`sources/${snap.digest}/files/pkg/model.py`, 'tampered');
        const error = await restoreSource(store, snap.digest, join(dir, 'restored')).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(BackendUnavailableError);
        expect((error as Error).message).toContain('"pkg/model.py"');
      });

      it('reports an unknown digest as not found', async () => {
        await expect(restoreSource(store, 'f'.repeat(64), join(dir, 'restored'))).rejects.toBeInstanceOf(NotFoundError);
      });

      it('refuses a target directory that is not empty', async () => {
        const snap = await snapshotSource(store, src);
        await expect(restoreSource(store, snap.digest, src)).rejects.toThrow(/not empty/);
      });
    });

    describe('invalid source directories', () => {
      it.each([
        ['missing', () => join(dir, 'nope')],
        ['empty', () => join(dir, 'empty')],
        ['only excluded files', () => join(dir, 'cache-only')],
      ])('rejects a %s source directory on project.source_dir', async (_label, pathOf) => {
        await mkdir(join(dir, 'empty'));
        await mkdir(join(dir, 'cache-only', '__pycache__'), { recursive: true });
        await writeFile(join(dir, 'cache-only', '__pycache__', 'x.pyc'), 'x');
        const error = await snapshotSource(store, pathOf()).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SpecValidationError);
        expect((error as SpecValidationError).problems[0]?.path).toBe('project.source_dir');
      });
    });
  });
}
