import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import vitestConfig from '../../../vitest.config.js';
import { filesUnder, readSource, ROOT } from '../architecture/source-files.js';

/**
 * CONTRIBUTING.md tells a newcomer where things are: every path, file name, make target, vitest
 * project, code name and section it names must exist, so the page cannot drift from the code unseen.
 */
const PAGE = 'CONTRIBUTING.md';
const FILE_EXTENSIONS = /\.(ts|js|json|md|sh|ya?ml|py|toml|csv)$/;
/** A code name: `StageExecutor`, `metadata.runs.upsertStage`, `patched()`. */
const IDENTIFIER = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*(\(\))?$/;
/** Which code names are checked: a lone lowercase word (`executor`, `b007053`) may as well be prose or a commit. */
const CHECKED_NAME = /[A-Z_.]|\(\)$/;
/** Names of other projects' APIs that the page names on purpose, which our code never uses. */
const EXTERNAL_NAMES = ['workerDeploymentOptions'];
/** Where code names are looked for: everything but the docs and this test's own lists. */
const SOURCE_EXTENSIONS = ['.ts', '.js', '.py', '.sh', '.yaml', 'Makefile'];

interface PageCode {
  /** Inline code spans, whitespace collapsed. */
  spans: string[];
  /** Fenced blocks, diagrams left out. */
  blocks: string[];
  /** Link targets, `(README.md#quick-start)`. */
  links: string[];
  headings: string[];
}

function readPage(markdown: string): PageCode {
  const blocks: string[] = [];
  const prose = markdown.replace(/^```(\w*)\n([\s\S]*?)^```$/gm, (_all, language: string, body: string) => {
    if (language !== 'mermaid') blocks.push(body);
    return '';
  });
  return {
    spans: [...prose.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\s+/g, ' ').trim()),
    blocks,
    links: [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!),
    headings: [...prose.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1]!),
  };
}

/** Words of code that name a repository path: `core/hpo/`, `workflows/*.ts`, `package.json`. */
function pathsIn(code: string): string[] {
  return code.split(/\s+/).filter((word) => /^[\w.][\w.*/-]*$/.test(word) && (word.includes('/') || FILE_EXTENSIONS.test(word)) && !word.includes('//'));
}

/** The `make`, `npx` and `--project` arguments in a piece of code. */
const argumentsOf = (code: string, before: string) => [...code.matchAll(new RegExp(`(?:^|\\s)${before}\\s+([\\w.-]+)`, 'g'))].map((m) => m[1]!);

/** GitHub's anchor for a heading. */
const anchorOf = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

/** Whether a repository path exists: a directory for `x/`, a file or directory otherwise, one match at least for `*`. */
function existsInRepo(path: string): boolean {
  if (!path.includes('*')) return existsSync(join(ROOT, path)) && (!path.endsWith('/') || statSync(join(ROOT, path)).isDirectory());
  const pattern = new RegExp(
    `^${basename(path)
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')}$`,
  );
  const dir = join(ROOT, dirname(path));
  return existsSync(dir) && readdirSync(dir).some((name) => pattern.test(name));
}

const page = readPage(readSource(PAGE));
const code = [...page.spans, ...page.blocks];
const unique = (values: string[]) => [...new Set(values)].sort();
const paths = unique([...code.flatMap(pathsIn), ...page.links.map((l) => l.split('#')[0]!).filter((p) => p && !/^[a-z]+:/.test(p))]);
const repoFiles = new Set(filesUnder('.', ['']).map((f) => basename(f)));
const sources = filesUnder('.', SOURCE_EXTENSIONS)
  .filter((f) => !f.startsWith('test/unit/docs/'))
  .map(readSource)
  .join('\n');
const identifiers = unique(page.spans.filter((s) => IDENTIFIER.test(s) && CHECKED_NAME.test(s) && !FILE_EXTENSIONS.test(s)));
const makefileTargets = new Set([...readSource('Makefile').matchAll(/^([\w. -]+):(?!=)/gm)].flatMap((m) => m[1]!.trim().split(/\s+/)));
const projects = (vitestConfig.test?.projects ?? []).map((p) => (p as { test?: { name?: string } }).test?.name);

describe('reading the page', () => {
  it.each([
    ['npx vitest run --project unit test/unit/pipeline/gate-check.test.ts', ['test/unit/pipeline/gate-check.test.ts']],
    ['test/support/', ['test/support/']],
    ['workflows/*.ts', ['workflows/*.ts']],
    ['package.json', ['package.json']],
    ['@temporalio/client', []],
    ['GET /v1/health', []],
    ['~/.cache/kiln/workflow-bundles/<commit>.js', []],
    ['s3://bucket/key', []],
  ])('finds the repository paths in `%s`', (text, expected) => {
    expect(pathsIn(text)).toEqual(expected);
  });

  it('finds make targets, npx tools and vitest projects in code', () => {
    const text = 'make test-unit\nnpx vitest run --project unit x.ts';
    expect([argumentsOf(text, 'make'), argumentsOf(text, 'npx'), argumentsOf(text, '--project')]).toEqual([['test-unit'], ['vitest'], ['unit']]);
  });

  it.each([
    ['Replay corpus and the upgrade test', 'replay-corpus-and-the-upgrade-test'],
    ['How to add a `route`', 'how-to-add-a-route'],
    ['Hyperparameter tuning (experiments)', 'hyperparameter-tuning-experiments'],
  ])('anchors the heading %j as #%s', (heading, anchor) => {
    expect(anchorOf(heading)).toBe(anchor);
  });

  it('finds enough on the page for the checks below to check something', () => {
    expect(paths.length).toBeGreaterThan(50);
    expect(identifiers.length).toBeGreaterThan(30);
    expect(code.flatMap((c) => argumentsOf(c, 'make')).length).toBeGreaterThan(5);
  });
});

describe(`${PAGE} names only what exists`, () => {
  it.each(paths.filter((p) => p.includes('/')))('the path %s', (path) => {
    expect(existsInRepo(path)).toBe(true);
  });

  it.each(paths.filter((p) => !p.includes('/')))('the file %s, somewhere in the repository', (name) => {
    expect(repoFiles.has(name)).toBe(true);
  });

  it.each(unique(code.flatMap((c) => argumentsOf(c, 'make'))))('the target of `make %s`, in the Makefile', (target) => {
    expect(makefileTargets.has(target)).toBe(true);
  });

  it.each(unique(code.flatMap((c) => argumentsOf(c, 'npx'))))('the tool of `npx %s`, installed from package.json', (tool) => {
    expect(existsSync(join(ROOT, 'node_modules', '.bin', tool))).toBe(true);
  });

  it.each(unique(code.flatMap((c) => argumentsOf(c, '--project'))))('the vitest project %s, in vitest.config.ts', (project) => {
    expect(projects).toContain(project);
  });

  it.each(identifiers.filter((name) => !EXTERNAL_NAMES.includes(name)))('the name %s, in the code', (name) => {
    const escaped = name.replace(/\(\)$/, '').replace(/[.$]/g, '\\$&');
    expect(new RegExp(`(?<![\\w$.])${escaped}(?![\\w$])`).test(sources)).toBe(true);
  });

  it.each(unique(page.links.filter((l) => l.includes('#'))))('the section of the link %s', (link) => {
    const [file, anchor] = link.split('#') as [string, string];
    const headings = file ? readPage(readSource(file)).headings : page.headings;
    expect(headings.map(anchorOf)).toContain(anchor);
  });
});
