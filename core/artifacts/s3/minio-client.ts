import { Client } from 'minio';
import type { ObjectStoreClient } from './object-store-client.js';
import type { S3Location } from './s3-location.js';

/**
 * The `minio` client for a location. Only create-artifact-store.ts imports this module, and
 * dynamically, so the SDK loads only when an S3 store is configured.
 */
export async function createMinioClient(location: S3Location): Promise<ObjectStoreClient> {
  const client: ObjectStoreClient = new Client(minioClientOptions(location));
  return client;
}

/** The `minio` client settings for a location (also used by tests for out-of-band access). */
export function minioClientOptions(location: S3Location) {
  return {
    endPoint: location.endPoint,
    ...(location.port === undefined ? {} : { port: location.port }),
    useSSL: location.useSSL,
    // A known region spares a GetBucketLocation round trip before the first request.
    region: location.region,
    accessKey: location.accessKey,
    secretKey: location.secretKey,
    // The client's own retry prints to the console and replaces the S3 error code with a
    // generic message; Temporal retries whole activities instead.
    retryOptions: { disableRetry: true },
  };
}
