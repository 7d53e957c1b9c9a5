import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { sourceSnapshotPrefix } from '../artifacts/artifact-keys.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { BackendUnavailableError, NotFoundError, SpecValidationError } from '../errors.js';
import { canonicalJson } from '../specs/canonical-json.js';
import { DEFAULT_SOURCE_EXCLUDES, sha256File, walkSource, type SourceFile } from './walk-source.js';

/** A relative path that cannot escape the restore directory. */
const RelativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').some((s) => s === '..' || s === '.' || s === ''), 'must be a plain relative path');

/** `sources/<digest>/manifest.json`; written after every file, so its presence means complete. */
export const SourceManifest = z.object({
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  files: z.array(z.object({ path: RelativePath, sha256: z.string(), size: z.number().int(), executable: z.boolean() })),
  file_count: z.number().int(),
  bytes: z.number().int(),
});
export type SourceManifest = z.infer<typeof SourceManifest>;

export interface SnapshotOptions {
  /** Extra exclude patterns, added to DEFAULT_SOURCE_EXCLUDES (see walkSource for the syntax). */
  exclude?: readonly string[];
}

export interface SourceSnapshot {
  /** sha256 over (path, executable bit, file sha256) of every file. */
  digest: string;
  fileCount: number;
  bytes: number;
  /** True when the snapshot was already stored and nothing was uploaded. */
  reused: boolean;
}

/** Snapshots `sourceDir` into `store`, content-addressed, uploading each snapshot once. */
export async function snapshotSource(store: ArtifactStore, sourceDir: string, options: SnapshotOptions = {}): Promise<SourceSnapshot> {
  const root = resolve(sourceDir);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw sourceDirProblem(`${root} is not a directory`);
  const files = await walkSource(root, [...DEFAULT_SOURCE_EXCLUDES, ...(options.exclude ?? [])]);
  if (files.length === 0) throw sourceDirProblem(`${root} has no files to snapshot`);

  const digest = sourceDigest(files);
  const prefix = sourceSnapshotPrefix(digest);
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  const result = { digest, fileCount: files.length, bytes };
  if (await store.exists(`${prefix}/manifest.json`)) return { ...result, reused: true };

  for (const file of files) {
    const stored = await store.putFile(`${prefix}/files/${file.path}`, file.absolutePath);
    // The digest was computed from the hashes read earlier; a file edited meanwhile would break it.
    if (stored.sha256 !== file.sha256) {
      throw sourceDirProblem(`${file.path} changed while it was being snapshotted; try again`);
    }
  }
  const manifest: SourceManifest = {
    digest,
    files: files.map(({ path, sha256, size, executable }) => ({ path, sha256, size, executable })),
    file_count: files.length,
    bytes,
  };
  await store.put(`${prefix}/manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`);
  return { ...result, reused: false };
}

export function sourceDigest(files: readonly Pick<SourceFile, 'path' | 'executable' | 'sha256'>[]): string {
  const entries = files.map((f) => [f.path, f.executable, f.sha256]);
  return createHash('sha256').update(canonicalJson(entries)).digest('hex');
}

/**
 * Materialises snapshot `digest` into `targetDir`, which must be absent or empty. Every file
 * is checked against the manifest's sha256, so a corrupted store never runs silently.
 */
export async function restoreSource(store: ArtifactStore, digest: string, targetDir: string): Promise<SourceManifest> {
  const manifest = await readManifest(store, digest);
  const target = resolve(targetDir);
  await mkdir(target, { recursive: true });
  if ((await readdir(target)).length > 0) throw new Error(`cannot restore source snapshot into ${target}: directory is not empty`);

  const prefix = sourceSnapshotPrefix(digest);
  for (const file of manifest.files) {
    const path = join(target, ...file.path.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await store.getToFile(`${prefix}/files/${file.path}`, path);
    const actual = await sha256File(path);
    if (actual !== file.sha256) {
      throw new BackendUnavailableError(
        'artifact-store',
        `source snapshot ${digest}: file "${file.path}" has sha256 ${actual}, the manifest says ${file.sha256}`,
      );
    }
    await chmod(path, file.executable ? 0o755 : 0o644);
  }
  return manifest;
}

async function readManifest(store: ArtifactStore, digest: string): Promise<SourceManifest> {
  const key = `${sourceSnapshotPrefix(digest)}/manifest.json`;
  let raw: Buffer;
  try {
    raw = await store.getBuffer(key);
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError('source snapshot', digest);
    throw err;
  }
  const manifest = SourceManifest.parse(JSON.parse(raw.toString('utf8')));
  if (manifest.digest !== digest || sourceDigest(manifest.files) !== digest) {
    throw new BackendUnavailableError('artifact-store', `source snapshot ${digest}: manifest does not match its digest`);
  }
  return manifest;
}

function sourceDirProblem(message: string): SpecValidationError {
  return new SpecValidationError([{ path: 'project.source_dir', message }]);
}
