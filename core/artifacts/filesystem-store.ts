import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { BackendUnavailableError, ConflictError, NotFoundError } from '../errors.js';
import { assertArtifactKey, joinKey, normalizePrefix, RESERVED_KEY_PREFIX } from './artifact-key.js';
import type { ArtifactInfo, ProbeableArtifactStore, PutDirectoryOptions, PutOptions, UnhashedArtifactInfo, UnhashedPut } from './artifact-store.js';
import { confinedPath, listConfinedFiles, withConfinedFile } from './confined-files.js';
import { writeFileAtomically } from './atomic-write.js';
import { inBatches } from './in-batches.js';
import { walkFiles } from './walk-files.js';

/** Temp files live here, inside the root, so the final rename never crosses filesystems. */
const INCOMING_DIR = `${RESERVED_KEY_PREFIX}incoming`;
/** Files copied at once by putDirectory and getDirectory: stage inputs and outputs are many small files. */
const COPY_CONCURRENCY = 8;

/**
 * Objects are plain files under `rootDir` at their key's path, so people can browse them.
 * Writes go to `<rootDir>/.kiln-incoming/` first and are renamed into place once complete.
 * A key cannot be both an object and a prefix of other keys (a file cannot be a directory).
 */
export class FilesystemArtifactStore implements ProbeableArtifactStore {
  readonly rootDir: string;
  readonly description: string;

  constructor(rootDir: string) {
    this.rootDir = resolve(rootDir);
    this.description = `filesystem:${this.rootDir}`;
  }

  put(key: string, body: Buffer | string | Readable, options: UnhashedPut): Promise<UnhashedArtifactInfo>;
  put(key: string, body: Buffer | string | Readable, options?: PutOptions): Promise<ArtifactInfo>;
  put(key: string, body: Buffer | string | Readable, options?: PutOptions | UnhashedPut): Promise<UnhashedArtifactInfo>;
  async put(key: string, body: Buffer | string | Readable, options: PutOptions | UnhashedPut = {}): Promise<ArtifactInfo | UnhashedArtifactInfo> {
    const target = this.pathOf(key);
    const temp = join(this.rootDir, INCOMING_DIR, randomUUID());
    const hashing = 'unhashed' in options ? { hash: false as const } : options.sha256 === undefined ? { hash: true as const } : { known: options.sha256 };
    try {
      return { key, ...(await writeFileAtomically(target, temp, body, hashing)) };
    } catch (error) {
      throw conflictOrSelf(error, key);
    }
  }

  async putFile(key: string, localPath: string): Promise<ArtifactInfo> {
    assertArtifactKey(key);
    // Opened first so a missing local file fails as itself, not as a half-done put.
    const stream = (await open(localPath, 'r')).createReadStream();
    try {
      return await this.put(key, stream);
    } finally {
      // Closes the file if the put failed before reading it to the end.
      stream.destroy();
    }
  }

  async get(key: string): Promise<Readable> {
    const handle = await open(this.pathOf(key), 'r').catch((error: NodeJS.ErrnoException) => {
      throw isMissing(error) ? new NotFoundError('artifact', key) : error;
    });
    // The open handle pins this version: a concurrent put replaces the name, not these bytes.
    const info = await handle.stat();
    if (!info.isFile()) {
      await handle.close();
      throw new NotFoundError('artifact', key);
    }
    return handle.createReadStream();
  }

  async getBuffer(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.get(key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async getToFile(key: string, localPath: string): Promise<void> {
    const source = this.pathOf(key);
    const target = resolve(localPath);
    await mkdir(dirname(target), { recursive: true });
    // Next to the target (the download may be on another filesystem), renamed when whole.
    // No fsync: a download is a scratch copy that a crash simply repeats.
    const temp = join(dirname(target), `.${randomUUID()}.kiln-download`);
    try {
      await copyFile(source, temp);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      if (isMissing(error as NodeJS.ErrnoException) && !(await this.exists(key))) throw new NotFoundError('artifact', key);
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    const info = await stat(this.pathOf(key)).catch((error: NodeJS.ErrnoException) => {
      if (isMissing(error)) return undefined;
      throw error;
    });
    return info?.isFile() ?? false;
  }

  async list(prefix: string): Promise<string[]> {
    const normalized = normalizePrefix(prefix);
    const files = await walkFiles(normalized === '' ? this.rootDir : join(this.rootDir, normalized), {
      skipTopLevel: (name) => normalized === '' && name.startsWith(RESERVED_KEY_PREFIX),
    });
    return files.map((file) => joinKey(normalized, file));
  }

  async delete(key: string): Promise<boolean> {
    if (!(await this.exists(key))) return false;
    await rm(this.pathOf(key), { force: true });
    return true;
  }

  async deletePrefix(prefix: string): Promise<number> {
    const normalized = normalizePrefix(prefix);
    if (normalized === '') throw new Error('deletePrefix: refusing to delete the whole store');
    const keys = await this.list(normalized);
    // No keys under it: nothing to do (and an object's own key is not a prefix of it).
    if (keys.length > 0) await rm(join(this.rootDir, normalized), { recursive: true, force: true });
    return keys.length;
  }

  async putDirectory(prefix: string, localDir: string, options: PutDirectoryOptions = {}): Promise<ArtifactInfo[]> {
    const normalized = normalizePrefix(prefix);
    const root = resolve(localDir);
    const info = await stat(root);
    if (!info.isDirectory()) throw new Error(`putDirectory: ${root} is not a directory`);
    const within = options.linksWithin ?? root;
    const files = await listConfinedFiles(root, within);
    const keys = files.map((file) => assertArtifactKey(joinKey(normalized, file)));
    // A few at a time: open files stay bounded, and their fsyncs share the file system's commits.
    const stored = await inBatches(keys, COPY_CONCURRENCY, (key, i) =>
      withConfinedFile(within, confinedPath(root, files[i]!), (path) => this.putFile(key, path)),
    );
    return stored.filter((info): info is ArtifactInfo => info !== undefined);
  }

  async getDirectory(prefix: string, localDir: string): Promise<number> {
    const normalized = normalizePrefix(prefix);
    const keys = await this.list(normalized);
    await inBatches(keys, COPY_CONCURRENCY, (key) => {
      const rel = normalized === '' ? key : key.slice(normalized.length + 1);
      return this.getToFile(key, join(resolve(localDir), ...rel.split('/')));
    });
    return keys.length;
  }

  uri(key: string): string {
    const normalized = normalizePrefix(key);
    return pathToFileURL(normalized === '' ? this.rootDir : join(this.rootDir, normalized)).href;
  }

  /** Writes, reads back and removes a file in the incoming directory, which is where every put starts. */
  async probe(): Promise<void> {
    const probe = join(this.rootDir, INCOMING_DIR, `probe-${randomUUID()}`);
    try {
      await mkdir(dirname(probe), { recursive: true });
      await writeFile(probe, 'kiln probe\n', { flag: 'wx' });
      if ((await readFile(probe, 'utf8')) !== 'kiln probe\n') throw new Error('read back different bytes');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new BackendUnavailableError('artifact store', `${this.rootDir} is not usable (${reason})`, { cause: error });
    } finally {
      await rm(probe, { force: true });
    }
  }

  private pathOf(key: string): string {
    assertArtifactKey(key);
    const path = join(this.rootDir, ...key.split('/'));
    // Defence in depth: validated keys cannot escape, but a bug here would write anywhere.
    if (relative(this.rootDir, path).startsWith(`..${sep}`)) throw new Error(`artifact key ${JSON.stringify(key)} escapes ${this.rootDir}`);
    return path;
  }
}

function isMissing(error: NodeJS.ErrnoException): boolean {
  return error.code === 'ENOENT' || error.code === 'ENOTDIR';
}

// A file where a directory is needed (or the reverse) is a key clash, not an I/O failure.
function conflictOrSelf(error: unknown, key: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST' || code === 'ENOTEMPTY') {
    return new ConflictError('artifact', `artifact key ${JSON.stringify(key)} clashes with an existing key: one is a prefix of the other`);
  }
  return error;
}
