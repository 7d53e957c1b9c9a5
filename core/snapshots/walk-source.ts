import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SpecValidationError } from '../errors.js';
import { isInside } from '../inputs/input-path.js';
import { LIMITS } from '../specs/limits.js';

/** Caches, VCS data and environments: never part of what a run executes. */
export const DEFAULT_SOURCE_EXCLUDES: readonly string[] = [
  '.git',
  '__pycache__',
  '*.pyc',
  '.venv',
  'node_modules',
  // Kiln's default data directory, in case the source directory is the working directory.
  '.kiln',
  '.pytest_cache',
  '.mypy_cache',
  '.DS_Store',
];

export interface SourceFile {
  /** `/`-separated path relative to the source directory. */
  path: string;
  absolutePath: string;
  size: number;
  executable: boolean;
  sha256: string;
}

/** A file found under the source directory, before it is hashed. */
export type ListedSourceFile = Omit<SourceFile, 'sha256'>;

/** How much one source directory may hold (README "Input limits"). */
export interface SourceCaps {
  maxFiles: number;
  maxBytes: number;
}

export const DEFAULT_SOURCE_CAPS: SourceCaps = { maxFiles: LIMITS.sourceFiles, maxBytes: LIMITS.sourceBytes };

/**
 * Lists the files under `root`, sorted by relative path, skipping entries that match an
 * exclude pattern: a pattern without `/` matches names at any depth (`*.pyc`), one with `/`
 * matches the relative path (`data/raw`); `*` matches any run of characters. A symlink is
 * followed only when its target lies inside `root` (one leaving it is skipped, never read);
 * a directory reached twice (a symlink loop) is walked once; FIFOs, sockets and devices are
 * skipped. More than `caps` files or bytes is a SpecValidationError on `project.source_dir`,
 * raised as soon as the walk passes the cap.
 */
export async function listSource(root: string, excludes: readonly string[], caps: SourceCaps = DEFAULT_SOURCE_CAPS): Promise<ListedSourceFile[]> {
  const byName = excludes.filter((p) => !p.includes('/')).map(globToRegExp);
  const byPath = excludes.filter((p) => p.includes('/')).map((p) => globToRegExp(p.replace(/^\/+|\/+$/g, '')));
  const files: ListedSourceFile[] = [];
  const visited = new Set<string>();
  const realRoot = await realpath(root);
  let bytes = 0;

  async function walk(dir: string, rel: string): Promise<void> {
    const real = await realpath(dir);
    if (visited.has(real)) return;
    visited.add(real);
    const names = (await readdir(dir)).sort(compareNames);
    for (const name of names) {
      const absolutePath = join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      if (byName.some((re) => re.test(name)) || byPath.some((re) => re.test(relPath))) continue;
      const info = await followInside(absolutePath, realRoot);
      // Dangling, or a link out of the source directory: nothing of this source to snapshot.
      if (!info) continue;
      if (info.isDirectory()) await walk(absolutePath, relPath);
      else if (info.isFile()) {
        bytes += info.size;
        files.push({ path: relPath, absolutePath, size: info.size, executable: (info.mode & 0o111) !== 0 });
        if (files.length > caps.maxFiles) throw tooLarge(root, `more than ${caps.maxFiles} files`);
        if (bytes > caps.maxBytes) throw tooLarge(root, `more than ${formatBytes(caps.maxBytes)}`);
      }
    }
  }

  await walk(root, '');
  return files.sort((a, b) => compareNames(a.path, b.path));
}

/** listSource, then each file's sha256. */
export async function walkSource(root: string, excludes: readonly string[], caps: SourceCaps = DEFAULT_SOURCE_CAPS): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  for (const file of await listSource(root, excludes, caps)) files.push({ ...file, sha256: await sha256File(file.absolutePath) });
  return files;
}

/** The stats of `path`, following a symlink only when its target stays inside `realRoot`. */
async function followInside(path: string, realRoot: string): Promise<Stats | undefined> {
  const info = await lstat(path).catch(() => undefined);
  if (!info?.isSymbolicLink()) return info;
  const target = await realpath(path).catch(() => undefined);
  if (target === undefined || !isInside(realRoot, target)) return undefined;
  return stat(target).catch(() => undefined);
}

function tooLarge(root: string, what: string): SpecValidationError {
  return new SpecValidationError([
    { path: 'project.source_dir', message: `${root} holds ${what} (the cap for a source directory; point source_dir at the code, not at data or caches)` },
  ]);
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Code-unit order, independent of locale, so every machine lists files alike. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}
