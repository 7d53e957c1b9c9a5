import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentUnavailableError } from '../errors.js';

export interface PythonInterpreter {
  /** Real path of the interpreter binary (symlinks and pyenv shims resolved). */
  executable: string;
  /** `major.minor.patch` as reported by the interpreter itself. */
  version: string;
}

/** Runs a candidate and reports what it really is; undefined when it does not run. */
export type PythonProbe = (candidate: string) => Promise<PythonInterpreter | undefined>;

export interface FindPythonOptions {
  /** Directories searched first for `python3.X`, `python3` and `python`. */
  searchDirs?: readonly string[];
  /** pyenv root whose `versions/<v>/bin/python` are candidates. Default `~/.pyenv`. */
  pyenvRoot?: string;
  /** Replaces the built-in candidate list (tests). */
  candidates?: readonly string[];
  /** Replaces running candidates (tests). Default: spawn each with a short script. */
  probe?: PythonProbe;
}

/**
 * Finds an interpreter for `pythonVersion` ("3.11" or "3.11.7"): candidates on PATH, in pyenv
 * and in /usr/bin are run, since names lie (a pyenv shim may point anywhere or nowhere), and
 * the first whose reported version matches wins.
 */
export async function findPythonInterpreter(pythonVersion: string, options: FindPythonOptions = {}): Promise<PythonInterpreter> {
  const candidates = options.candidates ?? pythonCandidates(pythonVersion, options);
  const probe = options.probe ?? probePython;
  const found = (await Promise.all(candidates.map((c) => probe(c).catch(() => undefined)))).filter((p): p is PythonInterpreter => p !== undefined);
  return selectInterpreter(pythonVersion, found);
}

/** True when `actual` (major.minor.patch) satisfies `requested` (major.minor[.patch]). */
export function pythonVersionMatches(requested: string, actual: string): boolean {
  const want = requested.split('.');
  const have = actual.split('.');
  return want.every((part, i) => Number(part) === Number(have[i]));
}

/** The first interpreter matching `requested`, or an error listing every one that was found. */
export function selectInterpreter(requested: string, found: readonly PythonInterpreter[]): PythonInterpreter {
  const match = found.find((p) => pythonVersionMatches(requested, p.version));
  if (match) return match;
  const unique = [...new Map(found.map((p) => [p.executable, p])).values()];
  const seen = unique.length ? unique.map((p) => `${p.version} at ${p.executable}`).join(', ') : 'none';
  // Only Python 3 is a valid python_version; sorted so the hint reads naturally.
  const versions = [...new Set(unique.map((p) => p.version.split('.').slice(0, 2).join('.')))]
    .filter((v) => v.startsWith('3.'))
    .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
  const quoted = versions.map((v) => `"${v}"`).join(', ');
  const choice = versions.length === 1 ? 'python_version' : 'one of python_version';
  const hint = versions.length ? ` or choose ${choice} ${quoted}` : '';
  throw new EnvironmentUnavailableError('python_version', `no Python ${requested} interpreter found on this machine (found: ${seen}); install one${hint}`);
}

/** Candidate commands and paths, most specific first; duplicates are harmless. */
export function pythonCandidates(pythonVersion: string, options: Pick<FindPythonOptions, 'searchDirs' | 'pyenvRoot'> = {}): string[] {
  const minor = pythonVersion.split('.').slice(0, 2).join('.');
  const names = [`python${minor}`, 'python3', 'python'];
  const fromDirs = (options.searchDirs ?? []).flatMap((dir) => names.map((n) => join(dir, n)));
  const pyenvVersions = join(options.pyenvRoot ?? join(homedir(), '.pyenv'), 'versions');
  const fromPyenv = listDir(pyenvVersions).map((v) => join(pyenvVersions, v, 'bin', 'python'));
  // Bare names are resolved on PATH by spawn itself.
  return [...fromDirs, `python${minor}`, 'python3', ...fromPyenv, `/usr/bin/python${minor}`, `/usr/local/bin/python${minor}`, '/usr/bin/python3'];
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

const PROBE_SCRIPT = 'import os, sys; print("%d.%d.%d %s" % (sys.version_info[0], sys.version_info[1], sys.version_info[2], os.path.realpath(sys.executable)))';

/** Runs `candidate -c <script>`; a missing binary or a shim with no version behind it gives undefined. */
export function probePython(candidate: string): Promise<PythonInterpreter | undefined> {
  return new Promise((resolve) => {
    execFile(candidate, ['-c', PROBE_SCRIPT], { timeout: 10_000 }, (error, stdout) => {
      const match = /^(\d+\.\d+\.\d+) (.+)$/.exec(stdout.trim());
      resolve(error || !match ? undefined : { version: match[1] as string, executable: match[2] as string });
    });
  });
}
