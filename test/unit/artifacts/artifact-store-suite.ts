import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../../core/artifacts/artifact-store.js';
import { NotFoundError, SpecValidationError } from '../../../core/errors.js';
import { describeStreamingContract } from './artifact-store-suite-streaming.js';
import { readAll, sha256 } from './stream-helpers.js';

export interface ArtifactStoreFixture {
  store: ArtifactStore;
  cleanup(): Promise<void>;
}

/** Every ArtifactStore implementation runs this suite; `factory` gives a fresh, empty store. */
export function describeArtifactStore(name: string, factory: () => Promise<ArtifactStoreFixture>): void {
  describe(`ArtifactStore contract: ${name}`, () => {
    let fixture: ArtifactStoreFixture;
    let store: ArtifactStore;
    let localDir: string;
    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
      localDir = await mkdtemp(join(tmpdir(), 'kiln-store-local-'));
    });
    afterEach(async () => {
      await fixture.cleanup();
      await rm(localDir, { recursive: true, force: true });
    });

    describe('put and get', () => {
      const text = 'héllo, wörld ✓\n';
      it.each([
        ['a Buffer', () => Buffer.from(text)],
        ['a string (stored as UTF-8)', () => text],
        ['a Readable', () => Readable.from([Buffer.from('héllo, '), Buffer.from('wörld ✓\n')])],
        ['a Readable yielding strings', () => Readable.from(['héllo, ', 'wörld ✓\n'])],
      ])('round-trips %s with its size and sha256', async (_label, body) => {
        const info = await store.put('things/greeting.txt', body());
        const expected = Buffer.from(text);
        expect(info).toEqual({ key: 'things/greeting.txt', size: expected.length, sha256: sha256(expected) });
        expect(await store.getBuffer('things/greeting.txt')).toEqual(expected);
        expect(await readAll(await store.get('things/greeting.txt'))).toEqual(expected);
        expect(await store.exists('things/greeting.txt')).toBe(true);
      });

      it('stores an empty object', async () => {
        expect(await store.put('empty', '')).toEqual({ key: 'empty', size: 0, sha256: sha256('') });
        expect(await store.getBuffer('empty')).toEqual(Buffer.alloc(0));
      });

      it('stores the bytes whole when asked not to hash them; a hash it still returns is right', async () => {
        const info = await store.put('things/unhashed.csv', Readable.from([Buffer.from('a,b\n'), Buffer.from('1,2\n')]), { unhashed: true });
        expect(info.size).toBe(8);
        expect([undefined, sha256('a,b\n1,2\n')]).toContain(info.sha256);
        expect((await store.getBuffer('things/unhashed.csv')).toString()).toBe('a,b\n1,2\n');
      });

      it('replaces an object on a second put', async () => {
        await store.put('k', 'first version, longer');
        await store.put('k', 'second');
        expect((await store.getBuffer('k')).toString()).toBe('second');
      });

      it('copies local files in and out, creating parent directories', async () => {
        const source = join(localDir, 'in.bin');
        await writeFile(source, Buffer.from([0, 1, 2, 255]));
        expect(await store.putFile('files/in.bin', source)).toMatchObject({ size: 4, sha256: sha256(Buffer.from([0, 1, 2, 255])) });
        const target = join(localDir, 'deep', 'er', 'out.bin');
        await store.getToFile('files/in.bin', target);
        expect(await readFile(target)).toEqual(Buffer.from([0, 1, 2, 255]));
      });
    });

    describe('missing objects', () => {
      it.each([
        ['get', (s: ArtifactStore) => s.get('no/such/key')],
        ['getBuffer', (s: ArtifactStore) => s.getBuffer('no/such/key')],
        ['getToFile', (s: ArtifactStore) => s.getToFile('no/such/key', join(localDir, 'x'))],
      ])('%s rejects with NotFoundError naming the key', async (_label, call) => {
        const error = await call(store).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(NotFoundError);
        expect(error).toMatchObject({ resource: 'artifact', id: 'no/such/key' });
      });

      it('treats a prefix of existing keys as no object', async () => {
        await store.put('dir/file', 'x');
        expect(await store.exists('dir')).toBe(false);
        await expect(store.get('dir')).rejects.toBeInstanceOf(NotFoundError);
      });

      it('reports exists() false for a missing key', async () => {
        expect(await store.exists('nothing-here')).toBe(false);
      });
    });

    describe('key validation', () => {
      const invalid = ['', '/etc/passwd', '../escape', 'a/../../b', 'a/./b', '.', 'a//b', 'a/', 'a\\b', 'nul\0byte', '.kiln-incoming/x'];
      it.each(invalid)('rejects %j in put, get, exists and uri with an error naming it', async (key) => {
        for (const call of [() => store.put(key, 'x'), () => store.get(key), () => store.exists(key)]) {
          const error = await call().catch((e: unknown) => e);
          expect(error).toBeInstanceOf(SpecValidationError);
          expect((error as Error).message).toContain(JSON.stringify(key));
        }
        if (key !== '' && key !== 'a/') expect(() => store.uri(key)).toThrow(SpecValidationError);
      });

      it.each(['../x', '/abs', 'a//b'])('rejects the prefix %j in list and directory copies', async (prefix) => {
        await expect(store.list(prefix)).rejects.toBeInstanceOf(SpecValidationError);
        await expect(store.putDirectory(prefix, localDir)).rejects.toBeInstanceOf(SpecValidationError);
        await expect(store.getDirectory(prefix, localDir)).rejects.toBeInstanceOf(SpecValidationError);
      });

      it.each(['with space/file name.txt', 'ünïcode/ключ', 'a/.hidden', 'a/b..c', 'x/.kiln-not-reserved-below-top'])('accepts %j', async (key) => {
        await store.put(key, 'ok');
        expect(await store.list('')).toEqual([key]);
      });
    });

    describe('list', () => {
      beforeEach(async () => {
        for (const key of ['runs/r1/b', 'runs/r1/a', 'runs/r1/sub/c', 'runs/r10/x', 'runs/r1x', 'other/B', 'other/a']) {
          await store.put(key, key);
        }
      });

      it('returns keys under the prefix at "/" boundaries, recursively and sorted', async () => {
        expect(await store.list('runs/r1')).toEqual(['runs/r1/a', 'runs/r1/b', 'runs/r1/sub/c']);
      });

      it('treats a trailing "/" like no trailing "/"', async () => {
        expect(await store.list('runs/r1/')).toEqual(await store.list('runs/r1'));
      });

      it('lists everything for the empty prefix, in code-unit order', async () => {
        const all = await store.list('');
        expect(all).toEqual(['other/B', 'other/a', 'runs/r1/a', 'runs/r1/b', 'runs/r1/sub/c', 'runs/r10/x', 'runs/r1x']);
      });

      it('returns nothing for an unknown prefix or an object key', async () => {
        expect(await store.list('nope')).toEqual([]);
        expect(await store.list('runs/r1x')).toEqual([]);
      });

      it('deletes one object, and only it, saying whether there was one', async () => {
        expect(await store.delete('runs/r1x')).toBe(true);
        expect(await store.delete('runs/r1x')).toBe(false);
        expect(await store.delete('runs/r1')).toBe(false);
        expect(await store.list('')).toEqual(['other/B', 'other/a', 'runs/r1/a', 'runs/r1/b', 'runs/r1/sub/c', 'runs/r10/x']);
      });

      it('deletes everything under a prefix, and only that, counting it', async () => {
        expect(await store.deletePrefix('runs/r1')).toBe(3);
        expect(await store.list('')).toEqual(['other/B', 'other/a', 'runs/r10/x', 'runs/r1x']);
        expect(await store.deletePrefix('runs/r1x')).toBe(0);
        expect(await store.deletePrefix('nope/')).toBe(0);
        expect(await store.exists('runs/r1x')).toBe(true);
        await expect(store.deletePrefix('')).rejects.toThrow(/whole store/);
      });
    });

    describe('directories', () => {
      it('round-trips a nested directory and reports each object', async () => {
        const source = join(localDir, 'src');
        const files: Record<string, string> = { 'train.py': 'print(1)\n', 'pkg/__init__.py': '', 'pkg/deep/model.py': 'x = 2\n' };
        for (const [rel, content] of Object.entries(files)) {
          await mkdir(join(source, rel, '..'), { recursive: true });
          await writeFile(join(source, rel), content);
        }
        const infos = await store.putDirectory('sources/abc', source);
        expect(infos.map((i) => i.key)).toEqual(['sources/abc/pkg/__init__.py', 'sources/abc/pkg/deep/model.py', 'sources/abc/train.py']);
        expect(infos.find((i) => i.key.endsWith('model.py'))).toMatchObject({ size: 6, sha256: sha256('x = 2\n') });

        const target = join(localDir, 'restored');
        expect(await store.getDirectory('sources/abc/', target)).toBe(3);
        for (const [rel, content] of Object.entries(files)) expect(await readFile(join(target, rel), 'utf8')).toBe(content);
      });

      it('follows links to files inside the directory (or linksWithin), never out of it', async () => {
        const workspace = join(localDir, 'ws');
        const outputs = join(workspace, 'outputs');
        await mkdir(outputs, { recursive: true });
        await writeFile(join(outputs, 'model.json'), 'm');
        await writeFile(join(workspace, 'checkpoint.bin'), 'c');
        await writeFile(join(localDir, 'secret.txt'), 's');
        await symlink(join(outputs, 'model.json'), join(outputs, 'alias.json'));
        await symlink(join(workspace, 'checkpoint.bin'), join(outputs, 'weights.bin'));
        await symlink(join(localDir, 'secret.txt'), join(outputs, 'secret.txt'));
        await symlink('/etc/passwd', join(outputs, 'passwd'));
        await symlink('/proc/self/environ', join(outputs, 'environ'));
        await symlink('/etc', join(outputs, 'etc'));
        const keys = async (prefix: string, options?: { linksWithin: string }) => (await store.putDirectory(prefix, outputs, options)).map((i) => i.key);
        expect(await keys('runs/a/outputs')).toEqual(['runs/a/outputs/alias.json', 'runs/a/outputs/model.json']);
        expect(await keys('runs/b/outputs', { linksWithin: workspace })).toEqual([
          'runs/b/outputs/alias.json',
          'runs/b/outputs/model.json',
          'runs/b/outputs/weights.bin',
        ]);
        expect(await store.list('runs')).toEqual([
          'runs/a/outputs/alias.json',
          'runs/a/outputs/model.json',
          'runs/b/outputs/alias.json',
          'runs/b/outputs/model.json',
          'runs/b/outputs/weights.bin',
        ]);
      });

      it('uploads nothing from a directory that is itself a link out', async () => {
        const workspace = join(localDir, 'ws');
        const outside = join(localDir, 'outside');
        await mkdir(workspace, { recursive: true });
        await mkdir(outside, { recursive: true });
        await writeFile(join(outside, 'private.txt'), 'p');
        await symlink(outside, join(workspace, 'outputs'));
        expect(await store.putDirectory('runs/c/outputs', join(workspace, 'outputs'), { linksWithin: workspace })).toEqual([]);
        expect(await store.list('runs/c')).toEqual([]);
      });

      it('restores nothing and returns 0 for an empty prefix', async () => {
        expect(await store.getDirectory('nothing/here', join(localDir, 'empty'))).toBe(0);
      });
    });

    describeStreamingContract({ store: () => store });

    describe('uri', () => {
      it('gives a URI that names the key', () => {
        expect(store.uri('models/iris/3/model.pkl')).toMatch(/^[a-z0-9]+:\/\/.*models\/iris\/3\/model\.pkl$/);
      });
    });
  });
}
