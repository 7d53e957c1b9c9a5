import { BackendUnavailableError } from '../../errors.js';
import type { ExternalObjectReader } from '../artifact-store.js';
import type { ObjectStoreClient } from './object-store-client.js';
import { errorCode, isMissingObject } from './s3-errors.js';

/** Runs an operation with the store's client (see S3ArtifactStore.run). */
type WithClient = <T>(operation: (client: ObjectStoreClient) => Promise<T>) => Promise<T>;

/**
 * Reads objects Kiln did not write, such as `s3://bucket/key` dataset sources. Unlike the
 * store's own reads there is no sha256 metadata to verify: the bytes are taken as they are.
 */
export function externalObjectReader(withClient: WithClient): ExternalObjectReader {
  return {
    etag: (bucket, name) => withClient((client) => client.statObject(bucket, name).then((stat) => stat.etag, absentOrFailed(bucket, name))),
    open: (bucket, name) =>
      withClient(async (client) => {
        const response = await client.makeRequestAsync({ method: 'GET', bucketName: bucket, objectName: name }, '', [200]).catch(absentOrFailed(bucket, name));
        return response ?? undefined;
      }),
  };
}

// A missing bucket is a missing object here: the source is someone else's bucket, not the store's.
function absentOrFailed(bucket: string, name: string) {
  return (error: unknown): undefined => {
    const code = errorCode(error);
    if (isMissingObject(error) || code === 'NoSuchBucket') return undefined;
    // Named here, since the store's own error would name its bucket rather than this one.
    if (code === 'AccessDenied' || code === 'Forbidden')
      throw new BackendUnavailableError('artifact store', `its credentials may not read s3://${bucket}/${name} (${code})`, { cause: error });
    throw error;
  };
}
