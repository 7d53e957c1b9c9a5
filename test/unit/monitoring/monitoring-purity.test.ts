import { isBuiltin } from 'node:module';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { filesUnder, importsOf, readSource, resolveRelative } from '../architecture/source-files.js';

/**
 * The drift statistics (the files directly in core/monitoring/; its subfolders, such as
 * prediction-log/, do I/O) run wherever the monitor needs them, a workflow included: they
 * load only each other and the seeded generator, and read no clock or unseeded random
 * source. The profile schema is the one zod file; the statistics see it as types only.
 */
const isStatistics = (path: string) => /^core\/monitoring\/[^/]+\.ts$/.test(path);
const SCHEMA = 'core/monitoring/feature-profile.ts';
const SEEDED_RANDOM = 'core/datasets/seeded-random.ts';
const NONDETERMINISTIC = new Set(['Date', 'process', 'performance', 'crypto', 'setTimeout', 'setInterval']);

function importProblems(path: string): string[] {
  return importsOf(path, readSource(path)).flatMap(({ specifier, typeOnly }) => {
    if (path === SCHEMA) return specifier === 'zod' ? [] : [`imports ${specifier}`];
    if (isBuiltin(specifier) || !specifier.startsWith('.')) return [`imports ${specifier}`];
    const target = resolveRelative(path, specifier);
    const allowed = (target !== SCHEMA || typeOnly) && (isStatistics(target) || target === SEEDED_RANDOM);
    return allowed ? [] : [`${typeOnly ? 'type' : 'value'}-imports ${target}`];
  });
}

function nondeterminism(path: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node) && NONDETERMINISTIC.has(node.text)) found.push(node.text);
    if (ts.isPropertyAccessExpression(node) && node.getText() === 'Math.random') found.push('Math.random');
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(path, readSource(path), ts.ScriptTarget.Latest, true));
  return found;
}

describe.each(filesUnder('core/monitoring', ['.ts']).filter(isStatistics))('%s', (path) => {
  it('loads only pure modules, and the profile schema as types', () => {
    expect(importProblems(path)).toEqual([]);
  });

  it('reads no clock, timer or unseeded random source', () => {
    expect(nondeterminism(path)).toEqual([]);
  });
});
