import { fileURLToPath } from 'node:url';
import { BackendUnavailableError } from '../errors.js';
import type { ArtifactStore } from './artifact-store.js';
import { FilesystemArtifactStore } from './filesystem-store.js';

export interface ArtifactStoreOptions {
  /** `file:///path` or unset for the filesystem store; `s3://…` is reserved for the scale-out backends. */
  url?: string;
  /** Root of the filesystem store when `url` is unset, normally `<home>/artifacts`. */
  filesystemRoot: string;
}

/** The one place that picks an artifact store implementation. */
export function createArtifactStore(options: ArtifactStoreOptions): ArtifactStore {
  const url = options.url?.trim();
  if (!url) return new FilesystemArtifactStore(options.filesystemRoot);
  const scheme = url.slice(0, Math.max(0, url.indexOf(':'))).toLowerCase();
  if (scheme === 'file') return new FilesystemArtifactStore(fileURLToPath(url));
  if (['s3', 'minio', 'http', 'https'].includes(scheme)) {
    throw new BackendUnavailableError(
      'artifact store',
      `${url}: S3/MinIO artifact stores land with the scale-out backends; use a file:// URL or leave the URL unset`,
    );
  }
  throw new BackendUnavailableError('artifact store', `${url}: unsupported URL scheme; use file:///path or leave the URL unset`);
}
