import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { ArtifactInfo, ArtifactStore } from '../../../core/artifacts/artifact-store.js';
import { NotFoundError } from '../../../core/errors.js';

/** An in-memory ArtifactStore for fast tests; `objects` is exposed so tests can inspect it. */
export class MemoryArtifactStore implements ArtifactStore {
  readonly description = 'memory';
  readonly objects = new Map<string, Buffer>();

  async put(key: string, body: Buffer | string | Readable): Promise<ArtifactInfo> {
    const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.isBuffer(body) ? body : await collect(body);
    this.objects.set(key, bytes);
    return { key, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  }

  async putFile(key: string, localPath: string): Promise<ArtifactInfo> {
    return this.put(key, await readFile(localPath));
  }

  async get(key: string): Promise<Readable> {
    return Readable.from([await this.getBuffer(key)]);
  }

  async getBuffer(key: string): Promise<Buffer> {
    const bytes = this.objects.get(key);
    if (!bytes) throw new NotFoundError('artifact', key);
    return bytes;
  }

  async getToFile(key: string, localPath: string): Promise<void> {
    const bytes = await this.getBuffer(key);
    await mkdir(dirname(localPath), { recursive: true });
    await writeFile(localPath, bytes);
  }

  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }

  async list(prefix: string): Promise<string[]> {
    const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    return [...this.objects.keys()].filter((k) => k.startsWith(base)).sort();
  }

  async delete(key: string): Promise<boolean> {
    return this.objects.delete(key);
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.list(prefix);
    for (const key of keys) this.objects.delete(key);
    return keys.length;
  }

  async putDirectory(): Promise<ArtifactInfo[]> {
    throw new Error('not used by these tests');
  }

  async getDirectory(prefix: string, localDir: string): Promise<number> {
    const keys = await this.list(prefix);
    for (const key of keys) await this.getToFile(key, join(localDir, key.slice(prefix.length + 1)));
    return keys.length;
  }

  uri(key: string): string {
    return `memory:///${key}`;
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}
