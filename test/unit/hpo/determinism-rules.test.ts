import { isBuiltin } from 'node:module';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { filesUnder, importsOf, readSource, resolveRelative } from '../architecture/source-files.js';

/**
 * core/hpo runs inside the experiment workflow, which Temporal replays: it may load only
 * itself, the seeded generator and the stage names (constants), see the specs as types, and
 * never read a clock or an unseeded random source.
 */
const VALUE_IMPORTABLE = ['core/hpo/', 'core/datasets/seeded-random.ts', 'core/pipeline/stage-names.ts'];
const TYPE_IMPORTABLE = [...VALUE_IMPORTABLE, 'core/specs/'];
const NONDETERMINISTIC = new Set(['Date', 'process', 'performance', 'crypto', 'setTimeout', 'setInterval', 'queueMicrotask']);

const within = (path: string, allowed: readonly string[]) => allowed.some((a) => (a.endsWith('/') ? path.startsWith(a) : path === a));

function importProblems(path: string, text: string): string[] {
  return importsOf(path, text).flatMap(({ specifier, typeOnly }) => {
    if (isBuiltin(specifier) || !specifier.startsWith('.')) return [`imports ${specifier}`];
    const target = resolveRelative(path, specifier);
    return within(target, typeOnly ? TYPE_IMPORTABLE : VALUE_IMPORTABLE) ? [] : [`${typeOnly ? 'type' : 'value'}-imports ${target}`];
  });
}

/** Identifiers of clocks, timers and unseeded randomness used in the code (comments do not count). */
function nondeterminism(path: string, text: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node) && NONDETERMINISTIC.has(node.text)) found.push(node.text);
    if (ts.isPropertyAccessExpression(node) && node.getText() === 'Math.random') found.push('Math.random');
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true));
  return found;
}

describe('the rules themselves', () => {
  it.each([
    ["import { z } from 'zod';", ['imports zod']],
    ["import { readFileSync } from 'node:fs';", ['imports node:fs']],
    ["import { ExperimentSpec } from '../specs/experiment.js';", ['value-imports core/specs/experiment.ts']],
    ["import type { ExperimentSpec } from '../specs/experiment.js';", []],
    ["import { seededRandom } from '../datasets/seeded-random.js';", []],
  ])('judge %s', (line, problems) => {
    expect(importProblems('core/hpo/example.ts', line)).toEqual(problems);
  });

  it('find clocks and unseeded randomness but not words in comments', () => {
    expect(nondeterminism('x.ts', '// Date and Math.random\nconst t = Date.now() + Math.random();')).toEqual(['Date', 'Math.random']);
  });
});

describe.each(filesUnder('core/hpo', ['.ts']))('%s', (path) => {
  it('loads only pure modules, and the specs as types', () => {
    expect(importProblems(path, readSource(path))).toEqual([]);
  });

  it('reads no clock, timer or unseeded random source', () => {
    expect(nondeterminism(path, readSource(path))).toEqual([]);
  });
});
