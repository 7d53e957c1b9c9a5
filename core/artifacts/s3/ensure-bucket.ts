import type { ObjectStoreClient } from './object-store-client.js';
import { errorCode } from './s3-errors.js';
import type { S3Location } from './s3-location.js';

// Another process creating the same bucket at the same moment is success, not failure.
const ALREADY_THERE = new Set(['BucketAlreadyOwnedByYou', 'BucketAlreadyExists']);

/**
 * Creates the location's bucket unless it exists. The probe is a one-key listing rather than
 * HEAD because its error body names the cause (InvalidAccessKeyId, AccessDenied, NoSuchBucket),
 * which a HEAD response cannot carry.
 */
export async function ensureBucket(client: ObjectStoreClient, location: S3Location): Promise<void> {
  try {
    await client.listObjectsQuery(location.bucket, '', '', { Delimiter: '/', MaxKeys: 1 });
    return;
  } catch (error) {
    if (errorCode(error) !== 'NoSuchBucket') throw error;
  }
  try {
    await client.makeBucket(location.bucket, location.region);
  } catch (error) {
    if (!ALREADY_THERE.has(errorCode(error) ?? '')) throw error;
  }
}
