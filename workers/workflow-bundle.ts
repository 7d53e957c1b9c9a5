import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import type { KilnConfig } from '../core/config.js';
import { WORKFLOW_TRACING_MODULE } from '../core/tracing/temporal-tracing.js';

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
  inProcessBundle ??= bundleWorkflowCode({ ...workflowBundleOptions(installDir), logger: quietLogger });
  return { workflowBundle: await inProcessBundle };
}

export function workflowsEntry(installDir: string): string {
  return join(installDir, 'workflows', 'index.ts');
}

/** What every bundle of Kiln's workflows is built from (prebuilt, in-process, the tests' and replay's). */
export function workflowBundleOptions(installDir: string): { workflowsPath: string; workflowInterceptorModules: string[] } {
  return { workflowsPath: workflowsEntry(installDir), workflowInterceptorModules: [WORKFLOW_TRACING_MODULE] };
}

const noop = () => {};
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };
