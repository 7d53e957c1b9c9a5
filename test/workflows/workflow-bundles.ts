/**
 * Workflow bundles of code other than the checkout's: a fixed earlier commit of this repository
 * (the previous release, for the upgrade test) and the current sources with an edit applied (a
 * change made without `patched()`, which the replay corpus must catch).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { INSTALL_DIR, loadConfig } from '../../core/config.js';

/** What a workflow bundle is built from: the entry point and everything it imports (activities for their types). */
const BUNDLED_TREES = ['workflows', 'core', 'activities', 'package.json'];

const noop = () => {};
const quietBundlerLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };

/** Bundles `<root>/workflows/index.ts` with this checkout's node_modules (the SDK under test). */
async function bundleTree(root: string): Promise<WorkflowBundle> {
  if (!existsSync(join(root, 'node_modules'))) symlinkSync(join(INSTALL_DIR, 'node_modules'), join(root, 'node_modules'), 'dir');
  return bundleWorkflowCode({ workflowsPath: join(root, 'workflows', 'index.ts'), logger: quietBundlerLogger });
}

function git(...args: string[]): string {
  return execFileSync('git', ['-C', INSTALL_DIR, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/**
 * The workflow bundle of commit `commit`, built once from `git archive` and cached under
 * ~/.cache/kiln/workflow-bundles/ by commit and SDK version (a bundle embeds the SDK's
 * workflow runtime). Throws, never skips, when the clone lacks the commit.
 */
export async function bundleAtCommit(commit: string): Promise<{ codePath: string }> {
  let sha: string;
  try {
    sha = git('rev-parse', '--verify', '--quiet', `${commit}^{commit}`);
  } catch {
    throw new Error(
      `commit ${commit} is not in this clone (${INSTALL_DIR}): the upgrade test builds that release's workflows from git history; clone without --depth, or run git fetch --unshallow`,
    );
  }
  const sdk = (createRequire(import.meta.url)('@temporalio/workflow/package.json') as { version: string }).version;
  const codePath = join(dirname(loadConfig().toolsDir), 'workflow-bundles', `${sha}-temporal-${sdk}.js`);
  if (existsSync(codePath)) return { codePath };

  const root = mkdtempSync(join(tmpdir(), `kiln-bundle-${sha.slice(0, 7)}-`));
  try {
    execFileSync('sh', ['-c', `git -C "$1" archive "$2" ${BUNDLED_TREES.join(' ')} | tar -x -C "$3"`, 'sh', INSTALL_DIR, sha, root], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const { code } = await bundleTree(root);
    mkdirSync(dirname(codePath), { recursive: true });
    // Written whole, then renamed: a concurrent test never reads half a bundle.
    writeFileSync(`${codePath}.${process.pid}.tmp`, code);
    renameSync(`${codePath}.${process.pid}.tmp`, codePath);
    return { codePath };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The current workflow sources with `edit(source)` applied to workflows/<file>, bundled. */
export async function bundleWithEdit(file: string, edit: (source: string) => string): Promise<WorkflowBundle> {
  const root = mkdtempSync(join(tmpdir(), 'kiln-bundle-edited-'));
  try {
    for (const tree of BUNDLED_TREES) cpSync(join(INSTALL_DIR, tree), join(root, tree), { recursive: true });
    const path = join(root, 'workflows', file);
    const before = readFileSync(path, 'utf8');
    const after = edit(before);
    if (after === before) throw new Error(`bundleWithEdit: the edit changed nothing in workflows/${file}`);
    writeFileSync(path, after);
    return await bundleTree(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
