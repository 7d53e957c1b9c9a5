import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';

export interface WrittenFile {
  size: number;
  sha256?: string;
}

/** How the bytes' sha256 is had: hashed on the way, the caller's hash of exactly these bytes, or not at all. */
export type FileHashing = { hash: true } | { known: string } | { hash: false };

/**
 * Writes `body` to `tempPath`, fsyncs it and renames it to `targetPath`, hashing on the way,
 * so `targetPath` holds either the previous file or the complete new one. Streams are
 * consumed chunk by chunk. On failure the temp file is removed and the target is untouched.
 * `tempPath` must be on the same filesystem as `targetPath` for the rename to be atomic.
 * A known hash is returned instead of hashing the bytes again; with `{ hash: false }` none is returned.
 */
export async function writeFileAtomically(
  targetPath: string,
  tempPath: string,
  body: Buffer | string | Readable,
  hashing: FileHashing = { hash: true },
): Promise<WrittenFile> {
  const hash = 'hash' in hashing && hashing.hash ? createHash('sha256') : undefined;
  let size = 0;
  const chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string> = typeof body === 'string' || Buffer.isBuffer(body) ? [body] : body;

  await mkdir(dirname(tempPath), { recursive: true });
  const handle = await open(tempPath, 'wx');
  const flusher = new EarlyFlusher(handle);
  try {
    try {
      for await (const chunk of chunks) {
        // A Readable with an encoding set yields strings; hash and count their bytes, not characters.
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        hash?.update(bytes);
        size += bytes.length;
        for (let offset = 0; offset < bytes.length; ) offset += (await handle.write(bytes, offset)).bytesWritten;
        flusher.wrote(bytes.length);
      }
      await flusher.done();
      // Without fsync a crash after the rename could leave a renamed but empty file.
      await handle.sync();
    } finally {
      await flusher.settled();
      await handle.close();
    }
    await mkdir(dirname(targetPath), { recursive: true });
    await rename(tempPath, targetPath);
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }
  await syncDirectory(dirname(targetPath));
  return { size, sha256: 'known' in hashing ? hashing.known : hash?.digest('hex') };
}

/** Bytes written before a large file's data is flushed to disk in the background. */
export const EARLY_FLUSH_BYTES = 64 * 1024 * 1024;

/**
 * Flushes a large file's data to disk while it is still being written (fdatasync, one at a
 * time, not waited for by the writes), so the fsync that ends it has only the last part to wait
 * for rather than all of it: the kernel would otherwise start writing a 2 GB file back only
 * once gigabytes of it were dirty, and the final fsync would wait seconds for the disk.
 */
export class EarlyFlusher {
  private unflushed = 0;
  private flushing: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly handle: Pick<FileHandle, 'datasync'>,
    private readonly every = EARLY_FLUSH_BYTES,
  ) {}

  /**
   * Counts `bytes` just written; past `every` since the last flush began, starts one unless one
   * is under way. Throws a failed flush's error, so a failing disk stops the writing early.
   */
  wrote(bytes: number): void {
    if (this.failure) throw this.failure.error;
    this.unflushed += bytes;
    if (this.unflushed < this.every || this.flushing) return;
    this.unflushed = 0;
    this.flushing = this.handle.datasync().then(
      () => {
        this.flushing = undefined;
      },
      (error: unknown) => {
        this.failure ??= { error };
        this.flushing = undefined;
      },
    );
  }

  /** Waits for the flush under way; rejects with its error if one failed. */
  async done(): Promise<void> {
    await this.settled();
    if (this.failure) throw this.failure.error;
  }

  /** Waits for the flush under way, whatever it ends in (before the file is closed). */
  async settled(): Promise<void> {
    await this.flushing;
  }
}

// Makes the rename itself durable; some platforms cannot fsync a directory, which only costs durability.
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // Best effort, see above.
  } finally {
    await handle.close();
  }
}
