import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../../core/artifacts/artifact-store.js';
import { NotFoundError } from '../../../core/errors.js';
import { readAll, sha256 } from './stream-helpers.js';

/** A stream that yields `bytesBeforeError` bytes and then fails. */
function failingStream(bytesBeforeError: number): Readable {
  return Readable.from(
    (async function* () {
      yield Buffer.alloc(bytesBeforeError, 7);
      throw new Error('upstream broke');
    })(),
  );
}

/** Part of describeArtifactStore: atomic writes and large streamed objects. */
export function describeStreamingContract(context: { store: () => ArtifactStore }): void {
  let store: ArtifactStore;
  beforeEach(() => {
    store = context.store();
  });

  describe('atomic writes', () => {
    it('leaves no object and nothing listed when a stream body fails midway', async () => {
      await expect(store.put('runs/r1/model.bin', failingStream(1024 * 1024))).rejects.toThrow('upstream broke');
      expect(await store.exists('runs/r1/model.bin')).toBe(false);
      await expect(store.get('runs/r1/model.bin')).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.list('')).toEqual([]);
    });

    it('keeps the previous object when an overwrite fails midway', async () => {
      await store.put('model.bin', 'good');
      await expect(store.put('model.bin', failingStream(64 * 1024))).rejects.toThrow('upstream broke');
      expect((await store.getBuffer('model.bin')).toString()).toBe('good');
      expect(await store.list('')).toEqual(['model.bin']);
    });

    it('shows readers nothing, or the old object, while a put is in progress', async () => {
      await store.put('old', 'old content');
      const newBody = new PassThrough();
      const oldBody = new PassThrough();
      const puts = [store.put('new', newBody), store.put('old', oldBody)];
      newBody.write(Buffer.alloc(256 * 1024, 1));
      oldBody.write(Buffer.alloc(256 * 1024, 2));
      await sleep(50);
      expect(await store.exists('new')).toBe(false);
      expect(await store.list('')).toEqual(['old']);
      expect((await store.getBuffer('old')).toString()).toBe('old content');
      newBody.end('tail');
      oldBody.end('tail');
      await Promise.all(puts);
      expect((await store.getBuffer('new')).length).toBe(256 * 1024 + 4);
      expect((await store.getBuffer('old')).length).toBe(256 * 1024 + 4);
    });

    it('lets a reader that opened an object before an overwrite read the whole old object', async () => {
      const oldBytes = Buffer.alloc(2 * 1024 * 1024, 'a');
      await store.put('big', oldBytes);
      const reader = await store.get('big');
      await store.put('big', 'b');
      expect(sha256(await readAll(reader))).toBe(sha256(oldBytes));
    });
  });

  describe('large objects', () => {
    it('streams a 50 MB body in and out with the right sha256', async () => {
      const chunk = Buffer.alloc(1024 * 1024);
      const expected = createHash('sha256');
      const body = Readable.from(
        (function* () {
          for (let i = 0; i < 50; i++) {
            chunk.fill(i % 251);
            chunk.writeUInt32LE(i, 0);
            expected.update(chunk);
            yield Buffer.from(chunk);
          }
        })(),
      );
      const info = await store.put('large/blob.bin', body);
      const digest = expected.digest('hex');
      expect(info).toMatchObject({ size: 50 * 1024 * 1024, sha256: digest });
      const readBack = createHash('sha256');
      for await (const part of await store.get('large/blob.bin')) readBack.update(part as Buffer);
      expect(readBack.digest('hex')).toBe(digest);
    }, 60_000);
  });
}
