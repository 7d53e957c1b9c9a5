import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Relative `/`-separated paths of the regular files under `dir`, sorted by code unit.
 * A missing `dir` yields nothing. With `followLinks`, symlinks to files are included
 * (symlinked directories never are, so a loop cannot trap the walk).
 */
export async function walkFiles(dir: string, options: { followLinks?: boolean; skipTopLevel?: (name: string) => boolean } = {}): Promise<string[]> {
  const files: string[] = [];
  async function walk(absolute: string, relative: string): Promise<void> {
    const entries = await readdir(absolute, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
      throw error;
    });
    for (const entry of entries) {
      if (relative === '' && options.skipTopLevel?.(entry.name)) continue;
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) await walk(join(absolute, entry.name), path);
      else if (entry.isFile()) files.push(path);
      else if (entry.isSymbolicLink() && options.followLinks) {
        const target = await stat(join(absolute, entry.name)).catch(() => undefined);
        if (target?.isFile()) files.push(path);
      }
    }
  }
  await walk(dir, '');
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
