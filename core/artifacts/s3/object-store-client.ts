import type { IncomingMessage } from 'node:http';
import type { S3Location } from './s3-location.js';

/**
 * The part of the `minio` client that the S3 artifact store calls, so nothing else depends on
 * its types; a `minio` Client satisfies it as is (checked in minio-client.ts). Errors are the
 * client's: S3 errors carry the S3 `code` (`NoSuchKey`, `AccessDenied`, …), network errors
 * Node's (`ECONNREFUSED`, …).
 */
export interface ObjectStoreClient {
  /** Single-request upload; `metaData` keys get the `X-Amz-Meta-` prefix. */
  putObject(bucket: string, name: string, body: Buffer, size: number, metaData: Record<string, string>): Promise<unknown>;
  /** Starts a multipart upload; `headers` are sent as given (user metadata must be `x-amz-meta-…`). Returns the upload id. */
  initiateNewMultipartUpload(bucket: string, name: string, headers: Record<string, string>): Promise<string>;
  uploadPart(
    part: { bucketName: string; objectName: string; uploadID: string; partNumber: number; headers: Record<string, string> },
    payload: Buffer,
  ): Promise<{ etag: string }>;
  /** Makes the object visible, whole, in one step. */
  completeMultipartUpload(bucket: string, name: string, uploadId: string, etags: { part: number; etag: string }[]): Promise<unknown>;
  abortMultipartUpload(bucket: string, name: string, uploadId: string): Promise<void>;
  /** Rejects with code `NotFound` (HEAD carries no body) when the object is absent. */
  statObject(bucket: string, name: string): Promise<{ size: number; etag: string; metaData: Record<string, unknown> }>;
  /** A raw signed request; used for GET so the body and its metadata headers come from one response. */
  makeRequestAsync(options: { method: string; bucketName: string; objectName?: string }, payload?: string, expectedCodes?: number[]): Promise<IncomingMessage>;
  removeObject(bucket: string, name: string): Promise<void>;
  /** Deletes up to 1,000 objects in one request (DeleteObjects). */
  removeObjects(bucket: string, names: string[]): Promise<unknown>;
  /**
   * One page (ListObjects V1) of the names under `prefix`, after `marker`; entries without `name`
   * are common prefixes. Also probes a bucket, since its errors (unlike HEAD's) carry the S3 code.
   */
  listObjectsQuery(
    bucket: string,
    prefix: string,
    marker: string,
    options: { Delimiter: string; MaxKeys: number },
  ): Promise<{ objects: { name?: string }[]; isTruncated?: boolean }>;
  makeBucket(bucket: string, region: string): Promise<void>;
}

/** Builds the client for a location; the default loads `minio` (see minio-client.ts) only when called. */
export type ObjectStoreClientFactory = (location: S3Location) => Promise<ObjectStoreClient>;
