import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ExpectedContent } from './s3-upload.js';

export type Spooled = { bytes: Buffer } | ({ path: string; remove(): Promise<void> } & ExpectedContent);

/**
 * Reads a stream of unknown length so it can be uploaded with its sha256 in the metadata
 * (S3 fixes metadata before the first byte). Up to `limit` bytes stay in memory; a longer
 * stream is written to a private temp file in `dir`, hashed on the way, and the caller uploads
 * that file. Memory stays bounded at `limit` whatever the size. If the stream fails, the temp
 * file is removed and the error is thrown before anything reaches the server.
 */
export async function bufferOrSpool(body: Readable, limit: number, dir: string): Promise<Spooled> {
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head: Buffer[] = [];
  let size = 0;
  while (size <= limit) {
    const next = await chunks.next();
    if (next.done) return { bytes: Buffer.concat(head, size) };
    const bytes = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    head.push(bytes);
    size += bytes.length;
  }

  const path = join(dir, `kiln-upload-${randomUUID()}.part`);
  const remove = () => rm(path, { force: true });
  const hash = createHash('sha256');
  const handle = await open(path, 'wx', 0o600);
  try {
    const write = async (bytes: Buffer) => {
      hash.update(bytes);
      for (let offset = 0; offset < bytes.length; ) offset += (await handle.write(bytes, offset)).bytesWritten;
    };
    for (const bytes of head) await write(bytes);
    // Written out, so no longer held: memory stays at `limit` however long the stream.
    head.length = 0;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      const bytes = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      size += bytes.length;
      await write(bytes);
    }
    await handle.close();
  } catch (error) {
    // Stops the body too (as a for-await loop would), then leaves nothing on disk.
    await chunks.return?.();
    await handle.close().catch(() => undefined);
    await remove();
    throw error;
  }
  return { path, remove, size, sha256: hash.digest('hex') };
}

/** Size and sha256 of a local file, read as a stream. */
export async function hashFile(path: string): Promise<ExpectedContent> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}
