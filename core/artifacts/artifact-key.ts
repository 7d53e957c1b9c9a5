import { SpecValidationError } from '../errors.js';

/**
 * The key rules every artifact store enforces, so a key that works on one backend works on
 * all: `/`-separated relative paths without empty, `.` or `..` segments, backslashes or NULs.
 * First segments starting with `.kiln-` are reserved for a store's own bookkeeping.
 */
export const RESERVED_KEY_PREFIX = '.kiln-';

/** Returns `key` unchanged, or throws SpecValidationError naming the key and the broken rule. */
export function assertArtifactKey(key: string): string {
  const problem = keyProblem(key);
  if (problem) throw invalidKey(key, problem);
  return key;
}

/**
 * Normalises a listing prefix: `''` means everything, one trailing `/` is dropped, and the
 * rest must be a valid key.
 */
export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (trimmed === '') {
    if (prefix !== '') throw invalidKey(prefix, 'must not start with "/"');
    return '';
  }
  const problem = keyProblem(trimmed);
  if (problem) throw invalidKey(prefix, problem);
  return trimmed;
}

/** Joins a normalised prefix and a relative key. */
export function joinKey(prefix: string, relativeKey: string): string {
  return prefix === '' ? relativeKey : `${prefix}/${relativeKey}`;
}

function keyProblem(key: string): string | undefined {
  if (key === '') return 'must not be empty';
  if (key.startsWith('/')) return 'must be relative (no leading "/")';
  if (key.includes('\\')) return 'must use "/" as separator, not "\\"';
  if (key.includes('\0')) return 'must not contain NUL characters';
  const segments = key.split('/');
  if (segments.some((s) => s === '')) return 'must not contain empty segments ("//" or a trailing "/")';
  if (segments.some((s) => s === '.' || s === '..')) return 'must not contain "." or ".." segments';
  // Filesystems limit a name to 255 bytes; enforcing it everywhere keeps keys portable.
  if (segments.some((s) => Buffer.byteLength(s) > 255)) return 'must not have segments longer than 255 bytes';
  if (segments[0]?.startsWith(RESERVED_KEY_PREFIX)) return `must not start with the reserved "${RESERVED_KEY_PREFIX}"`;
  return undefined;
}

function invalidKey(key: string, problem: string): SpecValidationError {
  return new SpecValidationError([{ path: 'artifactKey', message: `artifact key ${JSON.stringify(key)} ${problem}` }]);
}
