import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { assertArtifactKey, joinKey, normalizePrefix } from '../artifact-key.js';
import type { ArtifactInfo, ExternalObjectReader, ProbeableArtifactStore, PutDirectoryOptions } from '../artifact-store.js';
import { confinedPath, listConfinedFiles, withConfinedFile } from '../confined-files.js';
import { inBatches } from '../in-batches.js';
import { streamToFile } from '../stream-to-file.js';
import { ensureBucket } from './ensure-bucket.js';
import { externalObjectReader } from './external-objects.js';
import { listObjectNames } from './list-object-names.js';
import type { ObjectStoreClient, ObjectStoreClientFactory } from './object-store-client.js';
import { openVerifiedObject } from './s3-download.js';
import { probeObjectStore } from './s3-probe.js';
import { isMissingObject, toBackendError } from './s3-errors.js';
import { endpointOf, type S3Location } from './s3-location.js';
import { type ExpectedContent, uploadKnownObject } from './s3-upload.js';
import { bufferOrSpool, hashFile } from './spool.js';

/** Objects moved at once by putDirectory and getDirectory: stage outputs are many small files. */
const CONCURRENCY = 8;
/** A streamed body up to this size is uploaded from memory; a longer one is spooled to disk first. */
const IN_MEMORY_LIMIT = 1024 * 1024;

export interface S3ArtifactStoreOptions {
  location: S3Location;
  /** The client, or a factory called once on first use (so the SDK loads only then). */
  client: ObjectStoreClient | ObjectStoreClientFactory;
  /** Where put() spools a stream longer than 1 MiB before uploading it; default the OS temp dir. */
  spoolDir?: string;
}

/**
 * Objects live in one bucket (created on first use if missing) under the location's prefix, at
 * `<prefix>/<key>`, each with its sha256 as `x-amz-meta-kiln-sha256`; downloads check it. An
 * upload is invisible until complete (S3 semantics), and a failed one leaves nothing. Unlike the
 * filesystem store, a key may be both an object and a prefix of other keys.
 */
export class S3ArtifactStore implements ProbeableArtifactStore {
  readonly description: string;
  readonly location: S3Location;
  readonly externalObjects: ExternalObjectReader = externalObjectReader((operation) => this.run(operation));
  private readonly spoolDir: string;
  private readonly clientFactory: ObjectStoreClientFactory;
  private clientPromise: Promise<ObjectStoreClient> | undefined;
  private bucketPromise: Promise<void> | undefined;

  constructor(options: S3ArtifactStoreOptions) {
    this.location = options.location;
    const { client } = options;
    this.clientFactory = typeof client === 'function' ? client : async () => client;
    this.spoolDir = options.spoolDir ?? tmpdir();
    this.description = `${this.uri('')} at ${endpointOf(this.location)}`;
  }

  async put(key: string, body: Buffer | string | Readable): Promise<ArtifactInfo> {
    const name = this.objectName(key);
    if (typeof body === 'string' || Buffer.isBuffer(body)) return this.putBytes(key, name, Buffer.from(body));
    const spooled = await bufferOrSpool(body, IN_MEMORY_LIMIT, this.spoolDir);
    if ('bytes' in spooled) return this.putBytes(key, name, spooled.bytes);
    try {
      return await this.upload(key, name, spooled.path, spooled);
    } finally {
      await spooled.remove();
    }
  }

  async putFile(key: string, localPath: string): Promise<ArtifactInfo> {
    const name = this.objectName(key);
    // Hashed first because the checksum must be sent before the bytes; upload() checks it again.
    return this.upload(key, name, localPath, await hashFile(localPath));
  }

  async get(key: string): Promise<Readable> {
    const name = this.objectName(key);
    return this.run((client) => openVerifiedObject(client, this.location.bucket, name, key));
  }

  async getBuffer(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.get(key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async getToFile(key: string, localPath: string): Promise<void> {
    await streamToFile(await this.get(key), localPath);
  }

  async exists(key: string): Promise<boolean> {
    const name = this.objectName(key);
    return this.run((client) =>
      client.statObject(this.location.bucket, name).then(
        () => true,
        (error: unknown) => (isMissingObject(error) ? false : Promise.reject(error)),
      ),
    );
  }

  async list(prefix: string): Promise<string[]> {
    const normalized = normalizePrefix(prefix);
    const base = under(this.location.prefix, normalized);
    const strip = this.location.prefix === '' ? 0 : this.location.prefix.length + 1;
    const names = await this.run((client) => listObjectNames(client, this.location.bucket, base === '' ? '' : `${base}/`));
    const keys = names.map((name) => name.slice(strip));
    // Skips the store's own bookkeeping and names no Kiln key could have (written by other tools).
    return keys.filter(isValidKey).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  async delete(key: string): Promise<boolean> {
    if (!(await this.exists(key))) return false;
    const name = this.objectName(key);
    await this.run((client) => client.removeObject(this.location.bucket, name));
    return true;
  }

  async deletePrefix(prefix: string): Promise<number> {
    const normalized = normalizePrefix(prefix);
    if (normalized === '') throw new Error('deletePrefix: refusing to delete the whole store');
    const names = (await this.list(normalized)).map((key) => under(this.location.prefix, key));
    // DeleteObjects takes at most 1,000 names per request.
    for (let i = 0; i < names.length; i += 1_000) await this.run((client) => client.removeObjects(this.location.bucket, names.slice(i, i + 1_000)));
    return names.length;
  }

  async putDirectory(prefix: string, localDir: string, options: PutDirectoryOptions = {}): Promise<ArtifactInfo[]> {
    const normalized = normalizePrefix(prefix);
    const root = resolve(localDir);
    if (!(await stat(root)).isDirectory()) throw new Error(`putDirectory: ${root} is not a directory`);
    const within = options.linksWithin ?? root;
    const files = await listConfinedFiles(root, within);
    const keys = files.map((file) => assertArtifactKey(joinKey(normalized, file)));
    const stored = await inBatches(keys, CONCURRENCY, (key, i) => withConfinedFile(within, confinedPath(root, files[i]!), (path) => this.putFile(key, path)));
    return stored.filter((info): info is ArtifactInfo => info !== undefined);
  }

  async getDirectory(prefix: string, localDir: string): Promise<number> {
    const normalized = normalizePrefix(prefix);
    const keys = await this.list(normalized);
    await inBatches(keys, CONCURRENCY, (key) => {
      const rel = normalized === '' ? key : key.slice(normalized.length + 1);
      return this.getToFile(key, join(resolve(localDir), ...rel.split('/')));
    });
    return keys.length;
  }

  uri(key: string): string {
    return `s3://${this.location.bucket}/${under(this.location.prefix, normalizePrefix(key))}`;
  }

  /**
   * Proves the store works as configured with a real round trip (see probeObjectStore). Throws
   * BackendUnavailableError with a one-line reason for bad credentials, missing permissions or an
   * unreachable server.
   */
  async probe(): Promise<void> {
    await this.run((client) => probeObjectStore(client, this.location));
  }

  private async putBytes(key: string, name: string, bytes: Buffer): Promise<ArtifactInfo> {
    const expected = { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    const target = { bucket: this.location.bucket, name, label: `the body of ${JSON.stringify(key)}` };
    await this.run((client) => uploadKnownObject(client, target, [bytes], expected));
    return { key, ...expected };
  }

  private async upload(key: string, name: string, localPath: string, expected: ExpectedContent): Promise<ArtifactInfo> {
    const stream = createReadStream(localPath);
    try {
      await this.run((client) => uploadKnownObject(client, { bucket: this.location.bucket, name, label: localPath }, stream, expected));
      return { key, ...expected };
    } finally {
      // Closes the file when the upload stopped before reading it to the end.
      stream.destroy();
    }
  }

  /** Runs an operation once the client exists and the bucket is ready, with configuration problems as one-line errors. */
  private async run<T>(operation: (client: ObjectStoreClient) => Promise<T>): Promise<T> {
    try {
      // Both shared by concurrent calls, and forgotten on failure so a later call tries again.
      this.clientPromise ??= this.clientFactory(this.location).catch((error: unknown) => {
        this.clientPromise = undefined;
        throw error;
      });
      const client = await this.clientPromise;
      this.bucketPromise ??= ensureBucket(client, this.location).catch((error: unknown) => {
        this.bucketPromise = undefined;
        throw error;
      });
      await this.bucketPromise;
      return await operation(client);
    } catch (error) {
      throw toBackendError(error, this.location);
    }
  }

  private objectName(key: string): string {
    return under(this.location.prefix, assertArtifactKey(key));
  }
}

/** `prefix/key`, where either may be `''`. */
function under(prefix: string, key: string): string {
  return prefix === '' || key === '' ? prefix + key : `${prefix}/${key}`;
}

// Reserved keys (the probe's) fail the key rules too, so this also hides the store's bookkeeping.
function isValidKey(key: string): boolean {
  try {
    assertArtifactKey(key);
    return true;
  } catch {
    return false;
  }
}
