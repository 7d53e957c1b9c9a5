import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import { SpecValidationError } from '../errors.js';
import { LIMITS, utf8Bytes } from '../specs/limits.js';

/** The kernel's pseudo-file systems and device nodes: never input, whatever the roots say. */
export const SYSTEM_DIRS: readonly string[] = ['/proc', '/sys', '/dev'];

/** Where a spec may point on the server (config.dataRoots, and Kiln's own data directory refused). */
export interface InputRoots {
  /** Absolute directories an input must lie in, after its symlinks are resolved. */
  allowed: readonly string[];
  /** Absolute directories refused even inside an allowed one: Kiln's data directory (metadata, artifacts, venvs). */
  denied: readonly string[];
}

export interface InputPathRequest {
  /** The spec field, named in every refusal: `dataset.path`, `project.source_dir`. */
  field: string;
  /** The path as the spec gives it. */
  path: string;
  /** What a relative path resolves against. */
  baseDir: string;
  /** A regular file (a dataset) or a directory (a project's source). */
  kind: 'file' | 'directory';
}

/**
 * The absolute path a spec names, once it is known to be a regular file (or a directory) inside
 * the allowed roots, outside the denied ones and the system directories, and still so after
 * every symlink on the way is resolved. Anything else is a SpecValidationError on `field`.
 * Whether a path outside the roots exists is never told, and no file is read.
 */
export async function resolveInputPath(request: InputPathRequest, roots: InputRoots): Promise<string> {
  const { field, kind } = request;
  const refuse = (message: string): never => {
    throw new SpecValidationError([{ path: field, message }]);
  };
  const absolute = resolve(isAbsolute(request.path) ? request.path : resolve(request.baseDir, request.path));
  if (utf8Bytes(absolute) > LIMITS.pathBytes) refuse(`${absolute} is longer than ${LIMITS.pathBytes} bytes`);
  if (absolute === '/') refuse('must not be the root of the file system');
  const placed = placeProblem(absolute, roots);
  if (placed) refuse(`${absolute} ${placed}`);

  const real = await realpath(absolute).catch((error: NodeJS.ErrnoException) =>
    refuse(error.code === 'ENOENT' || error.code === 'ENOTDIR' ? `no such ${kind}: ${absolute}` : `cannot read ${absolute} (${error.code ?? 'error'})`),
  );
  const realRoots = { allowed: await realDirs(roots.allowed), denied: [...roots.denied, ...(await realDirs(roots.denied))] };
  const realPlaced = placeProblem(real, realRoots);
  // The target is not named: it may be a path the caller should not learn about.
  if (real !== absolute && realPlaced) refuse(`${absolute} is a symbolic link (or lies under one) whose target ${realPlaced}`);
  if (realPlaced) refuse(`${absolute} ${realPlaced}`);

  const info = await stat(real);
  if (kind === 'file' && !info.isFile()) refuse(`${absolute} is not a regular file${info.isDirectory() ? ' (it is a directory)' : ''}`);
  if (kind === 'directory' && !info.isDirectory()) refuse(`${absolute} is not a directory`);
  return absolute;
}

/** Why `path` may not be read, or undefined when it lies inside an allowed root and nowhere refused. */
export function placeProblem(path: string, roots: InputRoots): string | undefined {
  if (SYSTEM_DIRS.some((dir) => isInside(dir, path))) return `is under ${SYSTEM_DIRS.find((dir) => isInside(dir, path))}, which is never read`;
  if (roots.denied.some((dir) => isInside(dir, path))) return "is inside Kiln's data directory, which is never read as input";
  if (!roots.allowed.some((dir) => isInside(dir, path))) {
    return `is outside the data roots (${roots.allowed.join(', ') || 'none'}); KILN_DATA_ROOTS where the API runs names them`;
  }
  return undefined;
}

/** `path` is `dir` or lies below it (a plain prefix test would let /data-other pass for /data). */
export function isInside(dir: string, path: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
}

/** Each existing directory with its symlinks resolved (e.g. /tmp → /private/tmp). */
async function realDirs(dirs: readonly string[]): Promise<string[]> {
  const real = await Promise.all(dirs.map((dir) => realpath(dir).catch(() => undefined)));
  return real.filter((dir): dir is string => dir !== undefined);
}
