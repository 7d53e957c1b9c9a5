import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import type { KilnConfig } from '../core/config.js';

let inProcessBundle: Promise<{ code: string }> | undefined;

/**
 * The workflow code a worker runs: the bundle prebuilt by `make build` when present (fast
 * start), else bundled once per process from the sources.
 */
export async function workflowCode({ installDir, bundleFromSource }: Pick<KilnConfig, 'installDir' | 'bundleFromSource'>): Promise<Pick<WorkerOptions, 'workflowBundle'>> {
  const prebuilt = join(installDir, 'dist', 'workflow-bundle.js');
  if (existsSync(prebuilt) && !bundleFromSource) return { workflowBundle: { codePath: prebuilt } };
  inProcessBundle ??= bundleWorkflowCode({ workflowsPath: workflowsEntry(installDir), logger: quietLogger });
  return { workflowBundle: await inProcessBundle };
}

export function workflowsEntry(installDir: string): string {
  return join(installDir, 'workflows', 'index.ts');
}

const noop = () => {};
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };
