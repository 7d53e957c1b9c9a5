import { randomUUID } from 'node:crypto';
import { Client } from 'minio';
import { inject } from 'vitest';
import { createArtifactStore } from '../../core/artifacts/create-artifact-store.js';
import type { ObjectStoreClient } from '../../core/artifacts/s3/object-store-client.js';
import { S3ArtifactStore } from '../../core/artifacts/s3/s3-artifact-store.js';
import { parseS3Url, type S3Location } from '../../core/artifacts/s3/s3-location.js';
import { minioClientOptions } from '../../core/artifacts/s3/minio-client.js';

/** The real S3 servers every S3 suite runs against, with the key test-s3-servers.ts provides them under. */
export const S3_SERVERS = [
  { name: 'MinIO', urlKey: 'minioUrl' },
  { name: 'SeaweedFS', urlKey: 'seaweedfsUrl' },
] as const;
export type S3ServerUrlKey = (typeof S3_SERVERS)[number]['urlKey'];

/** A client of our own for out-of-band checks and tampering, outside the store under test. */
export function rawClient(location: S3Location): Client {
  return new Client(minioClientOptions(location));
}

/** `url` with its path replaced by `/bucket/prefix`, keeping credentials and parameters. */
export function withPath(url: string, path: string): string {
  const parsed = new URL(url);
  parsed.pathname = path;
  return parsed.toString();
}

export interface S3Fixture {
  store: S3ArtifactStore;
  location: S3Location;
  raw: Client;
  cleanup(): Promise<void>;
}

export interface FreshS3StoreOptions {
  /** Wraps the real client, to inject failures or pauses (see interceptClient). */
  client?: (real: ObjectStoreClient) => ObjectStoreClient;
  spoolDir?: string;
}

/**
 * A store under a fresh prefix of the server's bucket, built by the real factory from a URL
 * (or, with options, directly around a wrapped client). Cleanup deletes every object under the
 * prefix and aborts any multipart upload left there.
 */
export function freshS3Store(urlKey: S3ServerUrlKey, options: FreshS3StoreOptions = {}): S3Fixture {
  const base = parseS3Url(inject(urlKey));
  const url = withPath(inject(urlKey), `/${base.bucket}/test-${randomUUID()}`);
  const location = parseS3Url(url);
  const raw = rawClient(location);
  const store =
    options.client || options.spoolDir
      ? new S3ArtifactStore({ location, client: options.client?.(raw) ?? raw, ...(options.spoolDir ? { spoolDir: options.spoolDir } : {}) })
      : createArtifactStore({ url, filesystemRoot: '/nonexistent' });
  if (!(store instanceof S3ArtifactStore)) throw new Error(`${url} did not give an S3 store`);
  return { store, location, raw, cleanup: () => removeAll(raw, location.bucket, `${location.prefix}/`) };
}

/**
 * Deletes every object under `prefix` (the bucket stays). Incomplete uploads are not looked
 * for: MinIO lists them only by exact object name, and tests that make them abort them.
 */
export async function removeAll(raw: Client, bucket: string, prefix: string): Promise<void> {
  const names: string[] = [];
  for await (const item of raw.listObjects(bucket, prefix, true)) if (item.name) names.push(item.name);
  if (names.length > 0) await raw.removeObjects(bucket, names);
}

/** Multipart uploads started for `name` (SeaweedFS: also for names under it) and neither completed nor aborted. */
export async function incompleteUploads(raw: Client, bucket: string, prefix: string): Promise<{ key: string; uploadId: string }[]> {
  const uploads: { key: string; uploadId: string }[] = [];
  for await (const upload of raw.listIncompleteUploads(bucket, prefix, true)) uploads.push({ key: upload.key, uploadId: upload.uploadId });
  return uploads;
}
