import { createHash, randomUUID } from 'node:crypto';
import { joinKey, RESERVED_KEY_PREFIX } from '../artifact-key.js';
import type { ObjectStoreClient } from './object-store-client.js';
import { openVerifiedObject } from './s3-download.js';
import type { S3Location } from './s3-location.js';
import { uploadKnownObject } from './s3-upload.js';

/**
 * Writes, reads back (checksum verified) and deletes a small object under the reserved
 * `.kiln-probe/` prefix, so every permission the store needs is exercised, not just listing.
 */
export async function probeObjectStore(client: ObjectStoreClient, location: S3Location): Promise<void> {
  const name = joinKey(location.prefix, `${RESERVED_KEY_PREFIX}probe/${randomUUID()}`);
  const bytes = Buffer.from(`kiln artifact store probe ${new Date().toISOString()}\n`);
  const expected = { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  await uploadKnownObject(client, { bucket: location.bucket, name, label: 'the probe object' }, [bytes], expected);
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of await openVerifiedObject(client, location.bucket, name, name)) chunks.push(chunk as Buffer);
    if (!Buffer.concat(chunks).equals(bytes)) throw new Error(`the probe object ${name} read back different bytes`);
  } finally {
    await client.removeObject(location.bucket, name);
  }
}
