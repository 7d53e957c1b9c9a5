import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EARLY_FLUSH_BYTES, EarlyFlusher, writeFileAtomically } from '../../../core/artifacts/atomic-write.js';

describe('flushing a large file while it is written', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-atomic-write-'));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it('flushes a real file every so many bytes, one flush at a time, and the file is whole', async () => {
    const handle = await open(join(dir, 'data'), 'w');
    let running = 0;
    let most = 0;
    const datasync = handle.datasync.bind(handle);
    const flushes = vi.spyOn(handle, 'datasync').mockImplementation(async () => {
      most = Math.max(most, ++running);
      await datasync();
      running--;
    });
    const flusher = new EarlyFlusher(handle, 1024 * 1024);
    const chunk = Buffer.alloc(300 * 1024, 7);
    for (let i = 0; i < 20; i++) {
      await handle.write(chunk);
      flusher.wrote(chunk.length);
    }
    await flusher.done();
    await handle.close();
    // 6 MB in 300 KiB writes: a flush past each MiB unless one was still under way.
    expect(flushes.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(flushes.mock.calls.length).toBeLessThanOrEqual(5);
    expect(most).toBe(1);
    expect((await readFile(join(dir, 'data'))).equals(Buffer.alloc(20 * chunk.length, 7))).toBe(true);
  });

  it("reports a failed flush: done() rejects with the disk's error and the next write is refused", async () => {
    const error = new Error('EIO: i/o error, fdatasync');
    const flusher = new EarlyFlusher({ datasync: () => Promise.reject(error) }, 10);
    flusher.wrote(10);
    await expect(flusher.done()).rejects.toBe(error);
    expect(() => flusher.wrote(1)).toThrow(error);
  });

  it('starts no flush under the threshold, and one once it is reached', async () => {
    const datasync = vi.fn(async () => undefined);
    const flusher = new EarlyFlusher({ datasync }, 100);
    flusher.wrote(60);
    flusher.wrote(39);
    await flusher.done();
    expect(datasync).not.toHaveBeenCalled();
    flusher.wrote(1);
    await flusher.done();
    expect(datasync).toHaveBeenCalledTimes(1);
  });

  it('is on for writeFileAtomically: a file past the threshold is flushed before its final fsync, and arrives whole', async () => {
    const probe = await open(join(dir, 'probe'), 'w');
    const prototype = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
    await probe.close();
    const flushes = vi.spyOn(prototype, 'datasync');
    const chunk = Buffer.alloc(4 * 1024 * 1024, 1);
    const count = EARLY_FLUSH_BYTES / chunk.length + 2;
    const written = await writeFileAtomically(join(dir, 'big'), join(dir, 'big.tmp'), Readable.from(Array.from({ length: count }, () => chunk)));
    expect(flushes).toHaveBeenCalled();
    const expected = createHash('sha256');
    for (let i = 0; i < count; i++) expected.update(chunk);
    expect(written).toEqual({ size: count * chunk.length, sha256: expected.digest('hex') });
    expect(
      createHash('sha256')
        .update(await readFile(join(dir, 'big')))
        .digest('hex'),
    ).toBe(written.sha256);
  });
});
