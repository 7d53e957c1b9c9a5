import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', '.kiln']);

/** Repository-relative paths (with `/`) of files under `dir` whose name ends with one of `extensions`. */
export function filesUnder(dir: string, extensions: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (abs: string) => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(join(abs, entry.name));
      } else if (extensions.some((ext) => entry.name.endsWith(ext)) && !entry.name.endsWith('.d.ts')) {
        found.push(relative(ROOT, join(abs, entry.name)).split(sep).join('/'));
      }
    }
  };
  walk(join(ROOT, dir));
  return found.sort();
}

export const readSource = (path: string) => readFileSync(join(ROOT, path), 'utf8');

export interface ImportRef {
  specifier: string;
  /** True when nothing of the module survives compilation (`import type`, `export type`, `import('x').T`). */
  typeOnly: boolean;
}

const parse = (path: string, text: string) => ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);

/** Every module a source file refers to: static and dynamic imports, re-exports, require calls. */
export function importsOf(path: string, text: string): ImportRef[] {
  const refs: ImportRef[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      // `import { type A } from 'x'` still loads 'x' under verbatimModuleSyntax; only `import type` does not.
      refs.push({ specifier: node.moduleSpecifier.text, typeOnly: node.importClause?.isTypeOnly ?? false });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      refs.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      refs.push({ specifier: node.moduleReference.expression.text, typeOnly: node.isTypeOnly });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      refs.push({ specifier: node.argument.literal.text, typeOnly: true });
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      const [arg] = node.arguments;
      refs.push({ specifier: arg && ts.isStringLiteralLike(arg) ? arg.text : '<computed>', typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(parse(path, text));
  return refs;
}

/** The repository-relative `.ts` file a relative specifier in `fromPath` points at. */
export function resolveRelative(fromPath: string, specifier: string): string {
  return relative(ROOT, resolve(ROOT, dirname(fromPath), specifier))
    .split(sep)
    .join('/')
    .replace(/\.js$/, '.ts');
}

/** Lines (1-based) where a source file reads `process.env`, in any of the ways TypeScript allows. */
export function envReadsOf(path: string, text: string): number[] {
  const source = parse(path, text);
  const lines: number[] = [];
  const isProcess = (e: ts.Expression) => /(^|\.)process$/.test(e.getText(source));
  const visit = (node: ts.Node) => {
    const hit =
      (ts.isPropertyAccessExpression(node) && node.name.text === 'env' && isProcess(node.expression)) ||
      (ts.isElementAccessExpression(node) &&
        ts.isStringLiteralLike(node.argumentExpression) &&
        node.argumentExpression.text === 'env' &&
        isProcess(node.expression)) ||
      (ts.isVariableDeclaration(node) &&
        node.initializer &&
        isProcess(node.initializer) &&
        ts.isObjectBindingPattern(node.name) &&
        node.name.elements.some((e) => (e.propertyName ?? e.name).getText(source) === 'env')) ||
      (ts.isImportDeclaration(node) &&
        ts.isStringLiteral(node.moduleSpecifier) &&
        /^(node:)?process$/.test(node.moduleSpecifier.text) &&
        /\benv\b/.test(node.importClause?.getText(source) ?? ''));
    if (hit) lines.push(source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return lines;
}
