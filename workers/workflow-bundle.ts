import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import type { KilnConfig } from '../core/config.js';
import { WORKFLOW_TRACING_MODULE } from '../core/tracing/temporal-tracing.js';

/** Bundled from the sources once per process, each variant. */
const inProcessBundles = new Map<boolean, Promise<{ code: string }>>();

/** Compiled Kiln (dist/) ships with its prebuilt bundle; run from sources, it bundles them. */
const RUNNING_COMPILED = fileURLToPath(import.meta.url).includes(`${sep}dist${sep}`);

/**
 * The workflow code a worker runs: the bundle prebuilt by `make build` beside the compiled
 * code (fast start), else the sources bundled once per process, so they can never be stale.
 * `traced` picks the variant with OpenTelemetry's workflow interceptors: untraced, they would
 * still make and drop spans in every workflow task (a sixth of a cached run's Temporal time).
 */
export async function workflowCode(
  { installDir, bundleFromSource }: Pick<KilnConfig, 'installDir' | 'bundleFromSource'>,
  { traced }: { traced: boolean },
): Promise<Pick<WorkerOptions, 'workflowBundle'>> {
  const prebuilt = join(installDir, 'dist', prebuiltBundleName(traced));
  if (RUNNING_COMPILED && existsSync(prebuilt) && !bundleFromSource) return { workflowBundle: { codePath: prebuilt } };
  let bundle = inProcessBundles.get(traced);
  if (!bundle) inProcessBundles.set(traced, (bundle = bundleWorkflowCode({ ...workflowBundleOptions(installDir, { traced }), logger: quietLogger })));
  return { workflowBundle: await bundle };
}

/** The prebuilt bundle's file under dist/. */
export function prebuiltBundleName(traced: boolean): string {
  return traced ? 'workflow-bundle-traced.js' : 'workflow-bundle.js';
}

export function workflowsEntry(installDir: string): string {
  return join(installDir, 'workflows', 'index.ts');
}

/**
 * What every bundle of Kiln's workflows is built from (prebuilt, in-process, the tests' and
 * replay's). The interceptors only add trace headers to commands, which replay does not compare:
 * a history made by either variant replays on the other.
 */
export function workflowBundleOptions(installDir: string, { traced }: { traced: boolean }): { workflowsPath: string; workflowInterceptorModules: string[] } {
  return { workflowsPath: workflowsEntry(installDir), workflowInterceptorModules: traced ? [WORKFLOW_TRACING_MODULE] : [] };
}

const noop = () => {};
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };
