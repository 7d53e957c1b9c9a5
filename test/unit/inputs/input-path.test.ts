import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpecValidationError } from '../../../core/errors.js';
import { isInside, resolveInputPath, type InputPathRequest, type InputRoots } from '../../../core/inputs/input-path.js';
import { sourceDirInput } from '../../../core/inputs/source-dir-input.js';

let dir: string;
let root: string;
let roots: InputRoots;

beforeAll(() => {
  // realpath: on some systems the temporary directory itself is a symlink.
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'kiln-input-path-')));
  root = join(dir, 'root');
  mkdirSync(join(root, 'data'), { recursive: true });
  mkdirSync(join(root, 'src'), { recursive: true });
  mkdirSync(join(dir, 'home'));
  mkdirSync(join(dir, 'root-other'));
  writeFileSync(join(root, 'data', 'good.csv'), 'x,label\n1,a\n2,b\n');
  writeFileSync(join(root, 'src', 'train.py'), 'print(1)\n');
  writeFileSync(join(dir, 'outside.csv'), 'x,label\n1,a\n2,b\n');
  writeFileSync(join(dir, 'root-other', 'sibling.csv'), 'x,label\n1,a\n2,b\n');
  writeFileSync(join(dir, 'home', 'kiln.sqlite'), 'not a csv');
  symlinkSync('/etc/passwd', join(root, 'data', 'passwd.csv'));
  symlinkSync(join(dir, 'outside.csv'), join(root, 'data', 'outside-link.csv'));
  symlinkSync(join(root, 'data', 'good.csv'), join(root, 'data', 'inside-link.csv'));
  symlinkSync('/proc/self', join(root, 'data', 'proc-link'));
  symlinkSync('/etc', join(root, 'etc-dir-link'));
  symlinkSync(join(dir, 'home'), join(root, 'home-link'));
  execFileSync('mkfifo', [join(root, 'data', 'fifo.csv')]);
  roots = { allowed: [root], denied: [join(dir, 'home')] };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dataset = (path: string, baseDir = root): InputPathRequest => ({ field: 'dataset.path', path, baseDir, kind: 'file' });
const sourceDir = (path: string): InputPathRequest => ({ field: 'project.source_dir', path, baseDir: root, kind: 'directory' });

async function refusal(request: InputPathRequest, against: InputRoots = roots) {
  const error = await resolveInputPath(request, against).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SpecValidationError);
  const problems = (error as SpecValidationError).problems;
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

describe('dataset paths that are refused, naming dataset.path', () => {
  it.each<[string, () => InputPathRequest, RegExp]>([
    ['/etc/passwd', () => dataset('/etc/passwd'), /outside the data roots/],
    ['/proc/self/environ', () => dataset('/proc/self/environ'), /under \/proc, which is never read/],
    ['/sys/kernel/notes', () => dataset('/sys/kernel/notes'), /under \/sys/],
    ['/dev/zero', () => dataset('/dev/zero'), /under \/dev/],
    ['a symlink inside a root pointing at /etc/passwd', () => dataset('data/passwd.csv'), /symbolic link .* whose target is outside the data roots/],
    ['a symlink inside a root pointing outside it', () => dataset('data/outside-link.csv'), /symbolic link/],
    ['a path under a symlinked directory that leaves the root', () => dataset('etc-dir-link/passwd'), /symbolic link/],
    ['a file under a symlink into /proc', () => dataset('data/proc-link/environ'), /whose target is under \/proc/],
    ['a directory', () => dataset('data'), /is not a regular file \(it is a directory\)/],
    ['a FIFO', () => dataset('data/fifo.csv'), /is not a regular file/],
    ['a relative path climbing out of the root', () => dataset('../outside.csv'), /outside the data roots/],
    ['a sibling directory sharing the root as a name prefix', () => dataset(join(dir, 'root-other', 'sibling.csv')), /outside the data roots/],
    ["a file in Kiln's data directory", () => dataset(join(dir, 'home', 'kiln.sqlite')), /inside Kiln's data directory/],
    ["a link into Kiln's data directory", () => dataset('home-link/kiln.sqlite'), /symbolic link .* data directory/],
    ['a missing file inside a root', () => dataset('data/nope.csv'), /^no such file: /],
    ['a path longer than the cap', () => dataset(`data/${'x'.repeat(300)}.csv`), /longer than 255 bytes/],
  ])('%s', async (_label, request, message) => {
    const problem = await refusal(request());
    expect(problem.path).toBe('dataset.path');
    expect(problem.message).toMatch(message);
  });

  it('does not tell whether a path outside the roots exists', async () => {
    const missing = await refusal(dataset('/etc/no-such-file'));
    const present = await refusal(dataset('/etc/passwd'));
    expect(missing.message.replace('no-such-file', 'passwd')).toBe(present.message);
  });

  it('never names the target of a symlink', async () => {
    expect((await refusal(dataset('data/passwd.csv'))).message).not.toContain('/etc/passwd');
  });

  it('refuses everything when no root is configured', async () => {
    expect((await refusal(dataset('data/good.csv'), { allowed: [], denied: [] })).message).toMatch(/outside the data roots \(none\)/);
  });
});

describe('dataset paths that are accepted', () => {
  it.each([
    ['an absolute path inside a root', () => join(root, 'data', 'good.csv'), 'data/good.csv'],
    ['a relative path, resolved against the base directory', () => 'data/good.csv', 'data/good.csv'],
    ['a relative path with ".." that stays inside', () => 'src/../data/good.csv', 'data/good.csv'],
    ['a symlink whose target stays inside the root, kept as given', () => 'data/inside-link.csv', 'data/inside-link.csv'],
  ])('%s', async (_label, path, expected) => {
    expect(await resolveInputPath(dataset(path()), roots)).toBe(join(root, expected));
  });

  it('accepts a root given through a symlink (compared after resolving it)', async () => {
    symlinkSync(root, join(dir, 'root-alias'));
    const viaAlias = { allowed: [join(dir, 'root-alias')], denied: [] };
    expect(await resolveInputPath(dataset(join(dir, 'root-alias', 'data', 'good.csv')), viaAlias)).toBe(join(dir, 'root-alias', 'data', 'good.csv'));
  });
});

describe('project source directories', () => {
  it.each<[string, string, RegExp]>([
    ['the file system root', '/', /must not be the root of the file system/],
    ['/etc', '/etc', /outside the data roots/],
    ['/proc/self', '/proc/self', /under \/proc/],
    ['a symlink to /etc', 'etc-dir-link', /symbolic link/],
    ['a file', 'src/train.py', /is not a directory/],
    ['a missing directory', 'nope', /^no such directory: /],
  ])('refuses %s on project.source_dir', async (_label, path, message) => {
    const problem = await refusal(sourceDir(path));
    expect(problem).toEqual({ path: 'project.source_dir', message: expect.stringMatching(message) });
  });

  it('accepts a directory inside a root', async () => {
    expect(await sourceDirInput('src', root, roots)).toBe(join(root, 'src'));
  });
});

describe('isInside', () => {
  it.each([
    ['/data', '/data', true],
    ['/data', '/data/x.csv', true],
    ['/data/', '/data/x.csv', true],
    ['/data', '/data-other/x.csv', false],
    ['/data', '/', false],
  ])('%s contains %s: %s', (parent, path, expected) => {
    expect(isInside(parent, path)).toBe(expected);
  });
});
