import type { Readable } from 'node:stream';

/**
 * Where Kiln keeps bytes: dataset versions, source snapshots, stage outputs, logs, model files.
 * Keys are `/`-separated relative paths (`datasets/iris/<version>/train.csv`).
 * Implementations: filesystem-store.ts (default); S3/MinIO later. Chosen in create-artifact-store.ts.
 */
export interface ArtifactStore {
  /** Short name for messages and `kiln doctor`, e.g. `filesystem:/home/me/.kiln/artifacts`. */
  readonly description: string;
  /** Writes atomically: readers see the whole object or none. Returns size and sha256. */
  put(key: string, body: Buffer | string | Readable): Promise<ArtifactInfo>;
  putFile(key: string, localPath: string): Promise<ArtifactInfo>;
  /** Streams an object; rejects with NotFoundError('artifact', key) when absent. */
  get(key: string): Promise<Readable>;
  getBuffer(key: string): Promise<Buffer>;
  getToFile(key: string, localPath: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Keys under a prefix (recursive), sorted. */
  list(prefix: string): Promise<string[]>;
  /** Uploads every file under `localDir` to `prefix/<relative path>`. */
  putDirectory(prefix: string, localDir: string): Promise<ArtifactInfo[]>;
  /** Downloads every object under `prefix` into `localDir`, keeping relative paths. */
  getDirectory(prefix: string, localDir: string): Promise<number>;
  /** A URI a person can read (`file:///…`, `s3://bucket/key`). */
  uri(key: string): string;
}

export interface ArtifactInfo {
  key: string;
  size: number;
  sha256: string;
}
