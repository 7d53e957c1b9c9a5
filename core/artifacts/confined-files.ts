import { constants, existsSync } from 'node:fs';
import { open, readlink, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { walkFiles } from './walk-files.js';

/*
 * Uploading what untrusted code left in a directory (a stage's outputs and checkpoints) without
 * following its symlinks out. In a Kubernetes pod the stage and the sidecar that uploads are
 * different containers: a link `outputs/env -> /proc/self/environ` would resolve in the
 * sidecar, whose environment holds the artifact store's credentials, and `outputs/x -> /etc`
 * in the sidecar's image. Files are checked where they really are, after opening them, so a
 * link swapped between the check and the read cannot redirect the upload.
 */

/**
 * The regular files under `dir` (relative `/` paths, sorted), symlinks to files included; none
 * when `dir` itself really lies outside `within` (a directory replaced by a link out).
 * Individual files must still be opened with withConfinedFile.
 */
export async function listConfinedFiles(dir: string, within: string): Promise<string[]> {
  const real = await realpath(dir).catch(() => undefined);
  if (!real || !isInside(await realpath(within), real)) return [];
  return walkFiles(dir, { followLinks: true });
}

/**
 * Opens `path` and, when what it opened is a regular file really inside `within`, calls `use`
 * with a path that names that opened file (`/proc/self/fd/<n>` on Linux, so the check and the
 * read are of one inode). Returns undefined, without calling `use`, for anything else: a link
 * out, a FIFO, a device. Missing files reject with ENOENT as `open` does.
 */
export async function withConfinedFile<T>(within: string, path: string, use: (opened: string) => Promise<T>): Promise<T | undefined> {
  const root = await realpath(within);
  // O_NONBLOCK: a FIFO swapped in for a file must not block the upload forever.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (!(await handle.stat()).isFile()) return undefined;
    const byDescriptor = `/proc/self/fd/${handle.fd}`;
    const pinned = existsSync(byDescriptor);
    const real = pinned ? await readlink(byDescriptor) : await realpath(path);
    if (!isInside(root, real)) return undefined;
    return await use(pinned ? byDescriptor : path);
  } finally {
    await handle.close();
  }
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}

/** `dir/<relative path>` for a path listConfinedFiles returned. */
export function confinedPath(dir: string, relative: string): string {
  return join(dir, ...relative.split('/'));
}
