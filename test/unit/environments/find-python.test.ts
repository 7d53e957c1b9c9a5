import { describe, expect, it } from 'vitest';
import {
  findPythonInterpreter,
  pythonCandidates,
  pythonVersionMatches,
  type PythonInterpreter,
  type PythonProbe,
} from '../../../core/environments/find-python.js';
import { EnvironmentUnavailableError } from '../../../core/errors.js';

/** A machine as the probe sees it: candidate → what running it reports (absent: does not run). */
function fakeProbe(machine: Record<string, PythonInterpreter>): PythonProbe {
  return async (candidate) => machine[candidate];
}

const MACHINE = {
  python3: { executable: '/usr/bin/python3.11', version: '3.11.2' },
  '/pyenv/3.11.7/bin/python': { executable: '/pyenv/3.11.7/bin/python3.11', version: '3.11.7' },
  '/pyenv/3.12.1/bin/python': { executable: '/pyenv/3.12.1/bin/python3.12', version: '3.12.1' },
  '/pyenv/2.7.18/bin/python': { executable: '/pyenv/2.7.18/bin/python2.7', version: '2.7.18' },
};
const CANDIDATES = ['python3.12', 'python3', '/pyenv/2.7.18/bin/python', '/pyenv/3.11.7/bin/python', '/pyenv/3.12.1/bin/python'];
const find = (version: string) => findPythonInterpreter(version, { candidates: CANDIDATES, probe: fakeProbe(MACHINE) });

describe('pythonVersionMatches', () => {
  it.each([
    ['3.11', '3.11.7', true],
    ['3.11', '3.12.1', false],
    ['3.1', '3.11.7', false],
    ['3.11.7', '3.11.7', true],
    ['3.11.7', '3.11.2', false],
    ['3.11.0', '3.11.0', true],
  ])('requested %s, interpreter %s → %s', (requested, actual, expected) => {
    expect(pythonVersionMatches(requested, actual)).toBe(expected);
  });
});

describe('findPythonInterpreter', () => {
  it('takes the first candidate whose real version matches major.minor', async () => {
    await expect(find('3.11')).resolves.toEqual(MACHINE.python3);
  });

  it('matches the patch version when one is given', async () => {
    await expect(find('3.11.7')).resolves.toEqual(MACHINE['/pyenv/3.11.7/bin/python']);
  });

  it('skips candidates that do not run, such as a shim for an inactive version', async () => {
    await expect(find('3.12')).resolves.toEqual(MACHINE['/pyenv/3.12.1/bin/python']);
  });

  it('treats a probe that throws as a candidate that does not run', async () => {
    const probe: PythonProbe = async (c) => {
      if (c === 'python3') throw new Error('EACCES');
      return MACHINE[c as keyof typeof MACHINE];
    };
    await expect(findPythonInterpreter('3.11', { candidates: CANDIDATES, probe })).resolves.toEqual(MACHINE['/pyenv/3.11.7/bin/python']);
  });

  it('fails on python_version, listing every interpreter found and the versions that would work', async () => {
    const error = await find('3.13').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentUnavailableError);
    expect((error as EnvironmentUnavailableError).field).toBe('python_version');
    const message = (error as Error).message;
    expect(message).toContain('no Python 3.13 interpreter found');
    expect(message).toContain('3.11.2 at /usr/bin/python3.11');
    expect(message).toContain('3.12.1 at /pyenv/3.12.1/bin/python3.12');
    expect(message).toContain('install one or choose one of python_version "3.11", "3.12"');
  });

  it('says so when no interpreter runs at all', async () => {
    await expect(findPythonInterpreter('3.11', { candidates: ['python3'], probe: async () => undefined })).rejects.toThrow(/found: none/);
  });
});

describe('pythonCandidates', () => {
  it('searches extra directories first, then PATH names, pyenv and system paths', () => {
    const candidates = pythonCandidates('3.12.1', { searchDirs: ['/opt/py/bin'], pyenvRoot: '/nonexistent' });
    expect(candidates.slice(0, 3)).toEqual(['/opt/py/bin/python3.12', '/opt/py/bin/python3', '/opt/py/bin/python']);
    expect(candidates).toContain('python3.12');
    expect(candidates).toContain('/usr/bin/python3.12');
  });
});
