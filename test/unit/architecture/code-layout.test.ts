import { describe, expect, it } from 'vitest';
import { envReadsOf, filesUnder, readSource } from './source-files.js';

const MAX_LINES = 400;
const PRODUCT_DIRS = ['core', 'workflows', 'activities', 'workers', 'api'];
/** Outside the product code: tests, scripts and benchmarks may read their own settings. */
const ENV_READERS_ALLOWED = ['core/config.ts'];
const CODE_DIRS = [...PRODUCT_DIRS, 'bin', 'examples'];
const CODE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

describe('file size', () => {
  it.each(PRODUCT_DIRS.flatMap((dir) => filesUnder(dir, ['.ts'])))(`%s has at most ${MAX_LINES} lines`, (path) => {
    expect(readSource(path).trimEnd().split('\n').length).toBeLessThanOrEqual(MAX_LINES);
  });
});

describe('reading process.env', () => {
  it.each([
    ['a property read', 'const home = process.env.KILN_HOME;', [1]],
    ['an index read', "const home = process.env['KILN_HOME'];", [1]],
    ['a whole-object read', 'spawn(cmd, { env: process.env });', [1]],
    ['bracket access to env', "const e = process['env'];", [1]],
    ['via globalThis', 'const e = globalThis.process.env;', [1]],
    ['destructuring', 'const { env } = process;', [1]],
    ['an import from node:process', "import { env } from 'node:process';", [1]],
    ['an option merely named env', 'run({ env: options.env });', []],
    ['another process property', 'process.exitCode = 1;', []],
  ])('is detected in %s', (_label, text, lines) => {
    expect(envReadsOf('example.ts', text)).toEqual(lines);
  });

  it('happens in core/config.ts, the one place that resolves configuration', () => {
    expect(envReadsOf('core/config.ts', readSource('core/config.ts')).length).toBeGreaterThan(0);
  });

  it.each(CODE_DIRS.flatMap((dir) => filesUnder(dir, CODE_EXTENSIONS)).filter((p) => !ENV_READERS_ALLOWED.includes(p)))('does not happen in %s', (path) => {
    expect(envReadsOf(path, readSource(path))).toEqual([]);
  });
});
