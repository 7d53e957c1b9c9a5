import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';

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

/**
 * Lists the files under `root`, sorted by relative path, skipping entries that match an
 * exclude pattern: a pattern without `/` matches names at any depth (`*.pyc`), one with `/`
 * matches the relative path (`data/raw`); `*` matches any run of characters. Symlinks are followed;
 * a directory reached twice (a symlink loop) is walked once.
 */
export async function walkSource(root: string, excludes: readonly string[]): Promise<SourceFile[]> {
  const byName = excludes.filter((p) => !p.includes('/')).map(globToRegExp);
  const byPath = excludes.filter((p) => p.includes('/')).map((p) => globToRegExp(p.replace(/^\/+|\/+$/g, '')));
  const files: SourceFile[] = [];
  const visited = new Set<string>();

  async function walk(dir: string, rel: string): Promise<void> {
    const real = await realpath(dir);
    if (visited.has(real)) return;
    visited.add(real);
    const names = (await readdir(dir)).sort(compareNames);
    for (const name of names) {
      const absolutePath = join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      if (byName.some((re) => re.test(name)) || byPath.some((re) => re.test(relPath))) continue;
      const info = await stat(absolutePath).catch(() => undefined);
      // A dangling symlink has nothing to snapshot.
      if (!info) continue;
      if (info.isDirectory()) await walk(absolutePath, relPath);
      else if (info.isFile()) {
        files.push({
          path: relPath,
          absolutePath,
          size: info.size,
          executable: (info.mode & 0o111) !== 0,
          sha256: await sha256File(absolutePath),
        });
      }
    }
  }

  await walk(root, '');
  return files.sort((a, b) => compareNames(a.path, b.path));
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
