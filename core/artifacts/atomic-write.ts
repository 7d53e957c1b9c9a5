import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
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
  try {
    try {
      for await (const chunk of chunks) {
        // A Readable with an encoding set yields strings; hash and count their bytes, not characters.
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        hash?.update(bytes);
        size += bytes.length;
        for (let offset = 0; offset < bytes.length; ) offset += (await handle.write(bytes, offset)).bytesWritten;
      }
      // Without fsync a crash after the rename could leave a renamed but empty file.
      await handle.sync();
    } finally {
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
