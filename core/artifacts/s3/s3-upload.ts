import { createHash, type Hash } from 'node:crypto';
import type { ObjectStoreClient } from './object-store-client.js';

/** User metadata key holding the object's sha256 (hex); sent as `x-amz-meta-kiln-sha256`. */
export const SHA256_METADATA = 'kiln-sha256';
/**
 * S3 takes parts of 5 MiB to 5 GiB (the last may be smaller), at most 10,000 of them. 8 MiB keeps
 * requests few for model-sized files while an upload holds only one part in memory.
 */
export const MIN_PART_SIZE = 8 * 1024 * 1024;
const MAX_PARTS = 10_000;
const MIB = 1024 * 1024;

export interface ExpectedContent {
  sha256: string;
  size: number;
}

/** 8 MiB, or the smallest whole number of MiB that fits `size` bytes in 10,000 parts. */
export function partSizeFor(size: number): number {
  return Math.max(MIN_PART_SIZE, Math.ceil(size / MAX_PARTS / MIB) * MIB);
}

/**
 * Uploads bytes whose sha256 and size are known beforehand, because S3 fixes an object's
 * metadata when its upload starts. Up to one part goes in a single PUT; more in a multipart
 * upload, which S3 shows to readers only once completed. The bytes are hashed again on the way;
 * if they differ from `expected` (a file changed meanwhile) or anything fails, the multipart
 * upload is aborted and nothing is left behind. Holds one part in memory, reused for every part,
 * so each part must be sent before the next is read (the client must not keep the payload).
 */
export async function uploadKnownObject(
  client: ObjectStoreClient,
  target: { bucket: string; name: string; label: string },
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  expected: ExpectedContent,
): Promise<void> {
  const { bucket, name } = target;
  const partSize = partSizeFor(expected.size);
  const parts = inParts(source, partSize, expected.size);
  const hash = createHash('sha256');
  let size = 0;
  const nextPart = async (): Promise<Buffer | undefined> => {
    const result = await parts.next();
    if (result.done) return undefined;
    hash.update(result.value);
    size += result.value.length;
    return result.value;
  };

  let part = await nextPart();
  if (expected.size <= partSize) {
    const body = part ?? Buffer.alloc(0);
    // Reading on must find the end: more bytes than expected means the source changed.
    await nextPart();
    assertSame(target.label, expected, size, hash);
    await client.putObject(bucket, name, body, body.length, { [SHA256_METADATA]: expected.sha256 });
    return;
  }

  const uploadId = await client.initiateNewMultipartUpload(bucket, name, {
    'content-type': 'application/octet-stream',
    [`x-amz-meta-${SHA256_METADATA}`]: expected.sha256,
  });
  try {
    const etags: { part: number; etag: string }[] = [];
    for (let partNumber = 1; part !== undefined; partNumber++) {
      // The server checks each part against its MD5, so a part damaged in transit is refused.
      const headers = { 'content-md5': createHash('md5').update(part).digest('base64') };
      const { etag } = await client.uploadPart({ bucketName: bucket, objectName: name, uploadID: uploadId, partNumber, headers }, part);
      etags.push({ part: partNumber, etag });
      part = await nextPart();
    }
    assertSame(target.label, expected, size, hash);
    await client.completeMultipartUpload(bucket, name, uploadId, etags);
  } catch (error) {
    // Best effort: an incomplete upload is invisible to readers either way, and the abort's
    // own failure must not hide why the upload failed.
    await client.abortMultipartUpload(bucket, name, uploadId).catch(() => undefined);
    throw error;
  }
}

function assertSame(label: string, expected: ExpectedContent, size: number, hash: Hash): void {
  const sha256 = hash.copy().digest('hex');
  if (size === expected.size && sha256 === expected.sha256) return;
  const got = size === expected.size ? `sha256 ${sha256.slice(0, 12)}…` : `${size} bytes`;
  throw new Error(
    `${label} changed while it was uploaded (expected ${expected.size} bytes, sha256 ${expected.sha256.slice(0, 12)}…; read ${got}); nothing was stored`,
  );
}

/**
 * Re-chunks `source` into parts of `partSize` bytes (the last one shorter; at least one part).
 * Every part is a view of one reused buffer, so memory stays at one part however large the
 * object and however lazily garbage is collected: a part is valid only until the next one is
 * requested. While the bytes match `expectedSize` the buffer is no larger than needed, so a
 * small object costs small.
 */
export async function* inParts(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  partSize: number,
  expectedSize: number,
): AsyncGenerator<Buffer> {
  let buffer: Buffer | undefined;
  let filled = 0;
  let yielded = false;
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let offset = 0; offset < bytes.length; ) {
      // Past the expected size (the source changed), full-size parts, so the caller can say so.
      buffer ??= Buffer.allocUnsafe(yielded ? partSize : Math.max(1, Math.min(partSize, expectedSize)));
      const copied = bytes.copy(buffer, filled, offset);
      filled += copied;
      offset += copied;
      if (filled < buffer.length) continue;
      yield buffer;
      yielded = true;
      filled = 0;
      if (buffer.length < partSize) buffer = undefined;
    }
  }
  if (buffer && filled > 0) yield buffer.subarray(0, filled);
  else if (!yielded) yield Buffer.alloc(0);
}
