import { createHash } from 'node:crypto';
import { pipeline, type Readable, Transform } from 'node:stream';
import { NotFoundError } from '../../errors.js';
import { ArtifactIntegrityError } from '../artifact-integrity-error.js';
import type { ObjectStoreClient } from './object-store-client.js';
import { isMissingObject } from './s3-errors.js';
import { SHA256_METADATA } from './s3-upload.js';

/**
 * Opens an object for reading and checks its bytes against the sha256 stored with it. Body
 * and metadata come from one GET response, so an overwrite in between cannot pair one
 * version's bytes with another's checksum. A mismatch fails the stream at its end with
 * ArtifactIntegrityError naming `key`; an absent object rejects with NotFoundError.
 */
export async function openVerifiedObject(client: ObjectStoreClient, bucket: string, name: string, key: string): Promise<Readable> {
  const response = await client.makeRequestAsync({ method: 'GET', bucketName: bucket, objectName: name }, '', [200]).catch((error: unknown) => {
    throw isMissingObject(error) ? new NotFoundError('artifact', key) : error;
  });
  const expected = response.headers[`x-amz-meta-${SHA256_METADATA}`];
  if (typeof expected !== 'string' || !/^[0-9a-f]{64}$/.test(expected)) {
    response.destroy();
    throw new ArtifactIntegrityError(key, `has no ${SHA256_METADATA} metadata, so its bytes cannot be verified (was it stored by Kiln?)`);
  }
  return verifying(response, key, expected);
}

function verifying(source: Readable, key: string, expected: string): Readable {
  const hash = createHash('sha256');
  let size = 0;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      const actual = hash.digest('hex');
      if (actual === expected) return done();
      done(new ArtifactIntegrityError(key, `is corrupt: its ${size} bytes have sha256 ${actual}, but ${expected} was recorded when it was stored`));
    },
  });
  // pipeline passes a failure of the response (a dropped connection) on to the reader.
  return pipeline(source, check, () => undefined);
}
