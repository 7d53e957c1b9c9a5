import { fileURLToPath } from 'node:url';
import { BackendUnavailableError } from '../errors.js';
import type { ProbeableArtifactStore } from './artifact-store.js';
import { FilesystemArtifactStore } from './filesystem-store.js';
import { S3ArtifactStore } from './s3/s3-artifact-store.js';
import { parseS3Url, redactS3Url } from './s3/s3-location.js';

export interface ArtifactStoreOptions {
  /**
   * Unset (or blank) or `file:///path`: the filesystem store. `s3://ACCESS:SECRET@host:port/bucket[/prefix]
   * [?secure=false&region=us-east-1]`, or the same with `http://`/`https://` (TLS off/on): an S3 store
   * (MinIO, SeaweedFS, AWS S3) through the `minio` client; see parseS3Url for the details.
   */
  url?: string;
  /** Root of the filesystem store when `url` is unset, normally `<home>/artifacts`. */
  filesystemRoot: string;
}

/** The one place that picks an artifact store implementation. Nothing is contacted until first use. */
export function createArtifactStore(options: ArtifactStoreOptions): ProbeableArtifactStore {
  const url = options.url?.trim();
  if (!url) return new FilesystemArtifactStore(options.filesystemRoot);
  const scheme = url.slice(0, Math.max(0, url.indexOf(':'))).toLowerCase();
  if (scheme === 'file') return new FilesystemArtifactStore(fileURLToPath(url));
  if (scheme === 's3' || scheme === 'http' || scheme === 'https') {
    return new S3ArtifactStore({
      location: parseS3Url(url),
      // The SDK loads only here, when an S3 store is configured and first used.
      client: async (location) => (await import('./s3/minio-client.js')).createMinioClient(location),
    });
  }
  throw new BackendUnavailableError(
    'artifact store',
    `${redactS3Url(url)}: unsupported URL scheme; use s3://ACCESS:SECRET@host:port/bucket, file:///path, or leave the URL unset`,
  );
}
