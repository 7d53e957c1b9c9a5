import { isBuiltin } from 'node:module';
import { describe, expect, it } from 'vitest';
import { filesUnder, importsOf, readSource, resolveRelative } from './source-files.js';

/**
 * Workflow code runs in Temporal's deterministic sandbox and is replayed: it may load only
 * the workflow SDK and pure modules. Activities, specs (zod) and anything with I/O are
 * reachable as types only.
 */
const WORKFLOW_PACKAGES = ['@temporalio/workflow', '@temporalio/common'];
const VALUE_IMPORTABLE = [
  'workflows/',
  'core/pipeline/',
  'core/hpo/',
  'core/temporal/search-attributes.ts',
  'core/datasets/seeded-random.ts',
  'core/rollout/rollout-verdict.ts',
  'core/workspaces/idle-verdict.ts',
];
const TYPE_IMPORTABLE = [...VALUE_IMPORTABLE, 'activities/', 'core/specs/'];

const within = (path: string, allowed: readonly string[]) => allowed.some((a) => (a.endsWith('/') ? path.startsWith(a) : path === a));

/** What is wrong with one workflow-sandbox file's imports; empty when it follows the rule. */
function importProblems(path: string, text: string): string[] {
  const problems: string[] = [];
  for (const { specifier, typeOnly } of importsOf(path, text)) {
    const what = `${typeOnly ? 'type' : 'value'} import of ${specifier}`;
    if (isBuiltin(specifier)) problems.push(`${what}: a Node built-in`);
    else if (!specifier.startsWith('.')) {
      if (!WORKFLOW_PACKAGES.includes(specifier)) problems.push(`${what}: only ${WORKFLOW_PACKAGES.join(', ')} may be imported`);
    } else {
      const target = resolveRelative(path, specifier);
      if (!within(target, typeOnly ? TYPE_IMPORTABLE : VALUE_IMPORTABLE)) {
        problems.push(`${what}: ${target} is ${within(target, TYPE_IMPORTABLE) ? 'importable as types only' : 'outside the workflow sandbox'}`);
      }
    }
  }
  return problems;
}

/** Every module the workflow bundle loads: workflows/ and, transitively, what they value-import. */
function sandboxModules(): string[] {
  const seen = new Set<string>();
  const queue = filesUnder('workflows', ['.ts']);
  while (queue.length) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    for (const { specifier, typeOnly } of importsOf(path, readSource(path))) {
      if (!typeOnly && specifier.startsWith('.')) queue.push(resolveRelative(path, specifier));
    }
  }
  return [...seen].sort();
}

describe('the workflow import rule itself', () => {
  it.each([
    ["import { proxyActivities } from '@temporalio/workflow';", []],
    ["import type { Duration } from '@temporalio/common';", []],
    ["import { checkGate } from '../core/pipeline/gate-check.js';", []],
    ["import type { KilnActivities } from '../activities/index.js';", []],
    ["import type { ProjectSpec } from '../core/specs/project.js';", []],
    ["import { readFile } from 'node:fs';", ['value import of node:fs: a Node built-in']],
    ["import { randomUUID } from 'crypto';", ['value import of crypto: a Node built-in']],
    ["import { z } from 'zod';", ['value import of zod: only @temporalio/workflow, @temporalio/common may be imported']],
    ["import { Client } from '@temporalio/client';", ['value import of @temporalio/client: only @temporalio/workflow, @temporalio/common may be imported']],
    ["import { createActivities } from '../activities/index.js';", ['value import of ../activities/index.js: activities/index.ts is importable as types only']],
    [
      "import { type KilnActivities } from '../activities/index.js';",
      ['value import of ../activities/index.js: activities/index.ts is importable as types only'],
    ],
    [
      "import { ProjectSpec } from '../core/specs/project.js';",
      ['value import of ../core/specs/project.js: core/specs/project.ts is importable as types only'],
    ],
    [
      "import type { MetadataStore } from '../core/metadata/metadata-store.js';",
      ['type import of ../core/metadata/metadata-store.js: core/metadata/metadata-store.ts is outside the workflow sandbox'],
    ],
    ["export { x } from '../core/config.js';", ['value import of ../core/config.js: core/config.ts is outside the workflow sandbox']],
    ["const fs = await import('node:fs');", ['value import of node:fs: a Node built-in']],
  ])('judges %s', (line, problems) => {
    expect(importProblems('workflows/example.ts', line)).toEqual(problems);
  });
});

describe('workflow files', () => {
  const workflowFiles = filesUnder('workflows', ['.ts']);

  it('exist, so the rule below checks something', () => {
    expect(workflowFiles).toContain('workflows/pipeline.ts');
  });

  it.each(workflowFiles)('%s imports only the workflow SDK, sandbox modules, and types', (path) => {
    expect(importProblems(path, readSource(path))).toEqual([]);
  });
});

describe('modules loaded into the workflow sandbox', () => {
  const modules = sandboxModules();

  it('include the pure core helpers the pipeline workflow uses', () => {
    expect(modules).toEqual(expect.arrayContaining(['core/pipeline/gate-check.ts', 'core/pipeline/run-progress.ts', 'core/temporal/search-attributes.ts']));
  });

  it.each(modules.filter((m) => !m.startsWith('workflows/')))('%s follows the same import rule, so nothing it loads touches Node', (path) => {
    expect(importProblems(path, readSource(path))).toEqual([]);
  });
});
