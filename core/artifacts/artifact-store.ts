import type { Readable } from 'node:stream';

/**
 * Where Kiln keeps bytes: dataset versions, source snapshots, stage outputs, logs, model files.
 * Keys are `/`-separated relative paths (`datasets/iris/<version>/train.csv`); the rules are in
 * artifact-key.ts and a key that breaks them is rejected with SpecValidationError. Key layout: artifact-keys.ts.
 * Implementations: filesystem-store.ts (default), s3/s3-artifact-store.ts (MinIO, SeaweedFS, any S3).
 * Chosen in create-artifact-store.ts.
 */
export interface ArtifactStore {
  /** Short name for messages and `kiln doctor`, e.g. `filesystem:/home/me/.kiln/artifacts`. */
  readonly description: string;
  /** Writes atomically: readers see the whole object or none. Returns size and sha256 (see UnhashedPut). */
  put(key: string, body: Buffer | string | Readable, options: UnhashedPut): Promise<UnhashedArtifactInfo>;
  put(key: string, body: Buffer | string | Readable, options?: PutOptions): Promise<ArtifactInfo>;
  put(key: string, body: Buffer | string | Readable, options?: PutOptions | UnhashedPut): Promise<UnhashedArtifactInfo>;
  putFile(key: string, localPath: string): Promise<ArtifactInfo>;
  /**
   * Streams an object; rejects with NotFoundError('artifact', key) when absent. A stream keeps
   * reading the version it opened even if the key is overwritten meanwhile.
   */
  get(key: string): Promise<Readable>;
  getBuffer(key: string): Promise<Buffer>;
  getToFile(key: string, localPath: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /**
   * Keys under a prefix (recursive), sorted by code unit. The prefix matches at `/` boundaries:
   * `runs/r1` lists `runs/r1/…`, not `runs/r10/…`; a trailing `/` is ignored; `''` lists everything.
   */
  list(prefix: string): Promise<string[]>;
  /** Deletes one object; false when there was none. For mirrors that follow deletions (a workspace's files). */
  delete(key: string): Promise<boolean>;
  /** Deletes every object under a prefix (matched as `list` does); returns how many. For retention (prediction logs). */
  deletePrefix(prefix: string): Promise<number>;
  /**
   * Uploads every file under `localDir` to `prefix/<relative path>`; returns them sorted by key.
   * Empty directories are not kept. Symlinks to files are followed only to files really inside
   * `options.linksWithin` (default `localDir` itself); others are skipped, as are symlinked
   * directories, and a `localDir` that is itself a link out uploads nothing.
   */
  putDirectory(prefix: string, localDir: string, options?: PutDirectoryOptions): Promise<ArtifactInfo[]>;
  /** Downloads every object under `prefix` into `localDir`, keeping relative paths; returns how many (0 when none). */
  getDirectory(prefix: string, localDir: string): Promise<number>;
  /** A URI a person can read (`file:///…`, `s3://bucket/key`), for a key or a prefix (`''`: the store's root). */
  uri(key: string): string;
  /**
   * Objects anywhere on the store's server, outside Kiln's keys, read with its credentials:
   * how `s3://bucket/key` dataset sources are read. Only S3 stores have it.
   */
  readonly externalObjects?: ExternalObjectReader;
}

/** Reads objects Kiln did not write (no sha256 metadata to check), by bucket and object name. */
export interface ExternalObjectReader {
  /** The object's ETag (changes with its content); undefined when there is no such object or bucket. */
  etag(bucket: string, name: string): Promise<string | undefined>;
  /** The object's bytes as a stream; undefined when there is no such object or bucket. */
  open(bucket: string, name: string): Promise<Readable | undefined>;
}

export interface PutOptions {
  /**
   * The body's sha256, when the caller hashed exactly these bytes as it produced them (a dataset's
   * source, hashed by the pass that copies it to the store): a store may return it instead of
   * hashing gigabytes a second time. A store that keeps the hash beside the object ignores it.
   */
  sha256?: string;
}

/**
 * The caller will not read the returned sha256 (a dataset's train and test: gigabytes nothing
 * looks up by hash). A store that hashes only to return it skips the work and returns none; a
 * store that keeps the hash beside the object to check its reads (S3) hashes anyway.
 */
export interface UnhashedPut {
  unhashed: true;
}

export interface PutDirectoryOptions {
  /** The directory symlinks may lead into (a stage's whole workspace); default the uploaded directory. */
  linksWithin?: string;
}

export interface ArtifactInfo {
  key: string;
  size: number;
  sha256: string;
}

/** What a put with UnhashedPut returns. */
export type UnhashedArtifactInfo = Omit<ArtifactInfo, 'sha256'> & { sha256?: string };

/** A store that can prove it is usable. Every real implementation is one; test fakes need not be. */
export interface ProbeableArtifactStore extends ArtifactStore {
  /**
   * A real round trip: writes, reads back and deletes a small object under a reserved key.
   * Rejects with BackendUnavailableError and a one-line reason (bad credentials, no permission,
   * unreachable server, read-only directory). For `kiln doctor` and start-up checks.
   */
  probe(): Promise<void>;
}
