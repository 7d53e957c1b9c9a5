import { open, realpath, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { ArtifactStore, ExternalObjectReader } from '../artifacts/artifact-store.js';
import { MissingDataError, SpecValidationError } from '../errors.js';
import { isInside, SYSTEM_DIRS } from '../inputs/input-path.js';

/** Where a dataset's CSV bytes come from: a file on the server or an S3 object. */
export interface DatasetSource {
  /** The path as the dataset spec gives it. */
  readonly path: string;
  /**
   * A cheap identity of the current content, read without reading the content (a file's size
   * and mtime, an object's ETag): equal fingerprints mean unchanged content. Rejects with
   * MissingDataError on `dataset.path` when the source is gone.
   */
  fingerprint(): Promise<string>;
  /**
   * The content as a stream of bytes, read from the start each time it is opened (a version is
   * read in passes). Rejects with MissingDataError on `dataset.path` when the source is gone.
   */
  open(): Promise<Readable>;
  /**
   * A mark that any write to the content changes, read without reading the content; undefined
   * when the source cannot give one it is sure of (see FileDatasetSource.writeStamp). Versioning
   * compares the marks taken before its first pass and after its last, instead of hashing the
   * bytes a second time; a source without one has its bytes hashed again.
   */
  writeStamp?(): Promise<string | undefined>;
}

/**
 * A file whose status changed less than this long ago gets no write stamp: a write in the same
 * tick of the filesystem's clock (a few milliseconds; more on a network filesystem whose clock
 * differs) would leave its times as they were.
 */
const RECENT_CHANGE_MS = 1000;

/** Bytes read at a time from a dataset file. */
const READ_CHUNK_BYTES = 2 * 1024 * 1024;

/** `s3://bucket/key` → its bucket and object name; undefined for any other path. */
export function parseS3DatasetPath(path: string): { bucket: string; name: string } | undefined {
  if (!path.startsWith('s3://')) return undefined;
  // Credentials would travel in workflow inputs and histories: the artifact store's are used instead.
  if (/^s3:\/\/[^/]*@/.test(path))
    throw new SpecValidationError([{ path: 'dataset.path', message: "no credentials in an s3:// dataset path: it is read with the S3 artifact store's" }]);
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(path);
  if (!match) throw new SpecValidationError([{ path: 'dataset.path', message: `${JSON.stringify(path)} is not s3://bucket/key` }]);
  return { bucket: match[1]!, name: match[2]! };
}

/**
 * The source a dataset path names. An `s3://` path is read with the artifact store's S3
 * credentials, so it needs an S3 artifact store (SpecValidationError on `dataset.path` otherwise).
 */
export function datasetSource(path: string, artifacts?: ArtifactStore): DatasetSource {
  const object = parseS3DatasetPath(path);
  if (!object) return new FileDatasetSource(path);
  if (!artifacts?.externalObjects) {
    const store = artifacts ? `the artifact store is ${artifacts.description}` : 'no artifact store was given';
    throw new SpecValidationError([{ path: 'dataset.path', message: `${path} is read through an S3 artifact store (KILN_ARTIFACTS_URL=s3://…); ${store}` }]);
  }
  return new S3DatasetSource(path, artifacts.externalObjects, object.bucket, object.name);
}

class FileDatasetSource implements DatasetSource {
  constructor(readonly path: string) {}

  async fingerprint(): Promise<string> {
    const stats = await stat(this.path).catch((error: unknown) => this.failed(error));
    return `file:${stats.size}:${stats.mtimeMs}`;
  }

  /**
   * The file's device, inode, size, modification and status-change times (nanoseconds). A write
   * moves the status-change time to the clock's present tick, and nothing in user space can set
   * it back; a file replaced by another (renamed over it, a link re-pointed) has another inode.
   * So a file whose status last changed before this look, by more than a clock tick, keeps its
   * stamp exactly as long as nobody writes it (how Git and make trust file times, with Git's
   * care for "racily clean" files); one changed more recently gets none. As for Git, a writer
   * that holds the file mapped in memory and writes again to a page it dirtied earlier, before
   * the kernel wrote it back, moves no time and is not seen.
   */
  async writeStamp(): Promise<string | undefined> {
    const stats = await stat(this.path, { bigint: true }).catch((error: unknown) => this.failed(error));
    if (Date.now() - Number(stats.ctimeMs) < RECENT_CHANGE_MS) return undefined;
    return `file:${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
  }

  /**
   * The roots were checked when the dataset was registered; a file swapped since for a link
   * into /proc or for a device or FIFO is still refused here, before a byte is read.
   */
  async open(): Promise<Readable> {
    const real = await realpath(this.path).catch((error: unknown) => this.failed(error));
    const info = await stat(real).catch((error: unknown) => this.failed(error));
    if (SYSTEM_DIRS.some((dir) => isInside(dir, real)) || !info.isFile()) {
      throw new SpecValidationError([{ path: 'dataset.path', message: `${this.path} is not a regular file, or resolves into ${SYSTEM_DIRS.join(', ')}` }]);
    }
    const handle = await open(real, 'r').catch((error: unknown) => this.failed(error));
    // Large reads: a pass over a big file is a few thousand system calls, not a hundred thousand.
    return handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES });
  }

  private failed(error: unknown): never {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new MissingDataError('dataset.path', `dataset file ${this.path} does not exist (moved or deleted since the dataset was registered?)`, {
        cause: error,
      });
    }
    throw new SpecValidationError([{ path: 'dataset.path', message: `cannot read ${this.path}: ${(error as Error).message}` }], { cause: error });
  }
}

class S3DatasetSource implements DatasetSource {
  constructor(
    readonly path: string,
    private readonly objects: ExternalObjectReader,
    private readonly bucket: string,
    private readonly name: string,
  ) {}

  async fingerprint(): Promise<string> {
    const etag = await this.objects.etag(this.bucket, this.name);
    if (etag === undefined) this.missing();
    return `s3-etag:${etag}`;
  }

  async open(): Promise<Readable> {
    return (await this.objects.open(this.bucket, this.name)) ?? this.missing();
  }

  private missing(): never {
    throw new MissingDataError('dataset.path', `dataset object ${this.path} does not exist (moved or deleted since the dataset was registered?)`);
  }
}
