import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import type { KilnConfig } from '../core/config.js';

let inProcessBundle: Promise<{ code: string }> | undefined;

/** Compiled Kiln (dist/) ships with its prebuilt bundle; run from sources, it bundles them. */
const RUNNING_COMPILED = fileURLToPath(import.meta.url).includes(`${sep}dist${sep}`);

/**
 * The workflow code a worker runs: the bundle prebuilt by `make build` beside the compiled
 * code (fast start), else the sources bundled once per process, so they can never be stale.
 */
export async function workflowCode({
  installDir,
  bundleFromSource,
}: Pick<KilnConfig, 'installDir' | 'bundleFromSource'>): Promise<Pick<WorkerOptions, 'workflowBundle'>> {
  const prebuilt = join(installDir, 'dist', 'workflow-bundle.js');
  if (RUNNING_COMPILED && existsSync(prebuilt) && !bundleFromSource) return { workflowBundle: { codePath: prebuilt } };
  inProcessBundle ??= bundleWorkflowCode({ workflowsPath: workflowsEntry(installDir), logger: quietLogger });
  return { workflowBundle: await inProcessBundle };
}

export function workflowsEntry(installDir: string): string {
  return join(installDir, 'workflows', 'index.ts');
}

const noop = () => {};
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };
