import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { filesUnder, importsOf, readSource, resolveRelative } from './source-files.js';

/**
 * Local and Kubernetes are each one Platform (core/platform/), chosen once at start-up.
 * Activities get it through their deps and never learn which: they import nothing
 * Kubernetes-specific and never branch on the platform's kind.
 */
const KUBERNETES_PACKAGES = ['@kubernetes/client-node'];
const KUBERNETES_PATHS = [
  'core/kubernetes/',
  'core/executors/kubernetes/',
  'core/platform/kubernetes/',
  'core/serving/kubernetes/',
  'core/environments/image/',
  'core/workspaces/kubernetes/',
];
/** What only the platform may know: its registered names, and the executor's workspace kinds. */
const PLATFORM_KINDS = ['local', 'kubernetes', 'remote'];
/** Expressions that name which platform this is, were anyone to compare them. */
const KIND_SOURCES = /\b(executor|cluster|kubernetes|workspace)\b|\bplatform\.name\b|\bconfig\.executor\b/;

/** A module's Kubernetes-specific imports, static or dynamic, types included. */
function kubernetesImports(path: string, text: string): string[] {
  return importsOf(path, text)
    .map(({ specifier }) => (specifier.startsWith('.') ? resolveRelative(path, specifier) : specifier))
    .filter((target) => KUBERNETES_PACKAGES.includes(target) || KUBERNETES_PATHS.some((p) => target.startsWith(p)));
}

/** Every module `entry` loads at run time: itself and, transitively, what it value-imports statically. */
function loadedModules(entry: string): string[] {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const source = ts.createSourceFile(path, readSource(path), ts.ScriptTarget.Latest, true);
    for (const statement of source.statements) {
      // Dynamic imports load on demand (the platform chooser's registry): only static ones are followed.
      const specifier =
        (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)
          ? statement.moduleSpecifier.text
          : undefined;
      const typeOnly = ts.isImportDeclaration(statement) ? statement.importClause?.isTypeOnly : ts.isExportDeclaration(statement) && statement.isTypeOnly;
      if (!specifier || typeOnly) continue;
      if (specifier.startsWith('.')) queue.push(resolveRelative(path, specifier));
      else seen.add(specifier);
    }
  }
  return [...seen].sort();
}

/** Comparisons and switches on the platform's kind, and literals naming one, as `line: text`. */
function kindChecks(path: string, text: string): string[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const report = (node: ts.Node) => found.push(`${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}: ${node.getText(source)}`);
  const equality = [
    ts.SyntaxKind.EqualsEqualsEqualsToken,
    ts.SyntaxKind.ExclamationEqualsEqualsToken,
    ts.SyntaxKind.EqualsEqualsToken,
    ts.SyntaxKind.ExclamationEqualsToken,
  ];
  const visit = (node: ts.Node) => {
    if (
      ts.isBinaryExpression(node) &&
      equality.includes(node.operatorToken.kind) &&
      (KIND_SOURCES.test(node.left.getText(source)) || KIND_SOURCES.test(node.right.getText(source)))
    )
      report(node);
    else if (ts.isSwitchStatement(node) && KIND_SOURCES.test(node.expression.getText(source))) report(node.expression);
    else if (ts.isStringLiteralLike(node) && PLATFORM_KINDS.includes(node.text) && !ts.isImportDeclaration(node.parent)) report(node);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('the platform rules themselves', () => {
  it.each([
    ["import type { Platform } from '../core/platform/platform.js';", []],
    ["import { KubernetesExecutor } from '../core/executors/kubernetes/kubernetes-executor.js';", ['core/executors/kubernetes/kubernetes-executor.ts']],
    ["import type { KubeClients } from '../core/kubernetes/kube-clients.js';", ['core/kubernetes/kube-clients.ts']],
    ["import { ClusterModelServing } from '../core/serving/kubernetes/cluster-model-serving.js';", ['core/serving/kubernetes/cluster-model-serving.ts']],
    ["import type { V1Pod } from '@kubernetes/client-node';", ['@kubernetes/client-node']],
    ["const k = await import('../core/platform/kubernetes/kubernetes-platform.js');", ['core/platform/kubernetes/kubernetes-platform.ts']],
  ])('finds the Kubernetes-specific imports of %s', (line, found) => {
    expect(kubernetesImports('activities/example.ts', line)).toEqual(found);
  });

  it.each([
    ["if (config.executor === 'kubernetes') build();", ["1: config.executor === 'kubernetes'", "1: 'kubernetes'"]],
    ['const images = deps.cluster !== undefined;', ['1: deps.cluster !== undefined']],
    ["const remote = executor.capabilities.workspace === 'remote';", ["1: executor.capabilities.workspace === 'remote'", "1: 'remote'"]],
    ['switch (platform.name) {}', ['1: platform.name']],
    ['await platform.stages.launch(context);', []],
    ["const ready = build?.status === 'ready' && platform.environments.isAvailable(digest);", []],
  ])('finds the platform-kind checks of %s', (line, found) => {
    expect(kindChecks('activities/example.ts', line)).toEqual(found);
  });
});

describe('activities', () => {
  const files = filesUnder('activities', ['.ts']);

  it('exist, so the rules below check something', () => {
    expect(files).toContain('activities/stages.ts');
  });

  it.each(files)('%s imports nothing Kubernetes-specific', (path) => {
    expect(kubernetesImports(path, readSource(path))).toEqual([]);
  });

  it.each(files)('%s never asks which platform it runs on', (path) => {
    expect(kindChecks(path, readSource(path))).toEqual([]);
  });

  it.each(files)('%s loads no Kubernetes SDK, however indirectly', (path) => {
    expect(loadedModules(path).filter((m) => KUBERNETES_PACKAGES.includes(m))).toEqual([]);
  });
});

describe('the platforms', () => {
  it('are chosen in one place, which loads each on demand', () => {
    expect(loadedModules('core/platform/choose-platform.ts').filter((m) => m.startsWith('core/platform/') && m !== 'core/platform/choose-platform.ts')).toEqual(
      [],
    );
  });

  it('leave the Kubernetes SDK out of a local worker', () => {
    expect(loadedModules('core/platform/local/local-platform.ts').filter((m) => KUBERNETES_PACKAGES.includes(m))).toEqual([]);
    expect(loadedModules('core/platform/kubernetes/kubernetes-platform.ts')).toContain('@kubernetes/client-node');
  });

  it.each(['workers/open-backends.ts', 'workers/embedded-stack.ts', 'workers/create-worker.ts'])('%s names no platform implementation', (path) => {
    expect(kubernetesImports(path, readSource(path))).toEqual([]);
    expect(importsOf(path, readSource(path)).filter(({ specifier }) => specifier.includes('/platform/local/'))).toEqual([]);
  });
});
