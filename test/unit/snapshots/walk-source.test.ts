import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpecValidationError } from '../../../core/errors.js';
import { listSource, walkSource } from '../../../core/snapshots/walk-source.js';

let dir: string;
let src: string;

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'kiln-walk-source-')));
  src = join(dir, 'src');
  mkdirSync(join(src, 'pkg'), { recursive: true });
  writeFileSync(join(src, 'train.py'), 'print("train")\n');
  writeFileSync(join(src, 'pkg', 'model.py'), 'W = 1\n');
  writeFileSync(join(dir, 'secret.txt'), 'outside the source\n');
  mkdirSync(join(dir, 'elsewhere'));
  writeFileSync(join(dir, 'elsewhere', 'other.py'), 'x = 1\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const paths = async () => (await walkSource(src, [])).map((f) => f.path);

describe('symlinks in a source directory', () => {
  it.each([
    ['a file outside it', () => symlinkSync(join(dir, 'secret.txt'), join(src, 'secret.txt'))],
    ['/etc/passwd', () => symlinkSync('/etc/passwd', join(src, 'passwd'))],
    ['a directory outside it', () => symlinkSync(join(dir, 'elsewhere'), join(src, 'elsewhere'))],
    ['the file system root', () => symlinkSync('/', join(src, 'root'))],
    ['/proc/self', () => symlinkSync('/proc/self', join(src, 'proc'))],
    ['its own parent', () => symlinkSync('..', join(src, 'up'))],
  ])('are never followed when they lead to %s', async (_label, link) => {
    link();
    expect(await paths()).toEqual(['pkg/model.py', 'train.py']);
  });

  it('are followed when their target stays inside it (a directory reached twice is walked once)', async () => {
    symlinkSync(join(src, 'pkg', 'model.py'), join(src, 'alias.py'));
    symlinkSync('pkg', join(src, 'pkg-link'));
    expect(await paths()).toEqual(['alias.py', 'pkg/model.py', 'train.py']);
  });

  it('skip FIFOs, which would block the hashing forever', async () => {
    execFileSync('mkfifo', [join(src, 'pipe')]);
    expect(await paths()).toEqual(['pkg/model.py', 'train.py']);
  });
});

describe('source directory caps', () => {
  it.each([
    ['more files than the cap', { maxFiles: 1, maxBytes: 1_000_000 }, /holds more than 1 files/],
    ['more bytes than the cap', { maxFiles: 100, maxBytes: 10 }, /holds more than 10 bytes/],
  ])('refuse %s on project.source_dir', async (_label, caps, message) => {
    const error = await listSource(src, [], caps).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SpecValidationError);
    expect((error as SpecValidationError).problems).toEqual([{ path: 'project.source_dir', message: expect.stringMatching(message) }]);
  });

  it('count only what would be snapshotted (excluded caches do not count)', async () => {
    mkdirSync(join(src, '__pycache__'));
    for (let i = 0; i < 5; i++) writeFileSync(join(src, '__pycache__', `m${i}.pyc`), 'x');
    expect(await listSource(src, ['__pycache__'], { maxFiles: 2, maxBytes: 1_000_000 })).toHaveLength(2);
  });

  it('leave every example and test fixture well inside the default caps', async () => {
    const repo = join(__dirname, '..', '..', '..');
    for (const source of ['examples/breast-cancer/src', 'examples/continuous-training/src', 'examples/tuning-curves/src', 'test/fixtures/sleepy/src']) {
      expect((await listSource(join(repo, source), [])).length).toBeGreaterThan(0);
    }
  });
});
