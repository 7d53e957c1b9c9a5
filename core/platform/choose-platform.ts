import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { KilnConfig } from '../config.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { Platform } from './platform.js';

/** What opening a platform may use: the configuration and the stores every platform shares. */
export interface PlatformContext {
  config: KilnConfig;
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  /** Directory put on PYTHONPATH so stages and model servers can import kiln_sdk. */
  sdkDir: string;
  /** Where a local platform records running stage process groups (cleanup after a dead worker). */
  runningDir?: string;
}

/**
 * Every platform, by the name KILN_EXECUTOR gives. Each loads on demand, so a worker on this
 * machine never loads a cluster's SDK. Adding a platform: its folder and one line here.
 */
const PLATFORMS: Readonly<Record<KilnConfig['executor'], () => Promise<(context: PlatformContext) => Promise<Platform>>>> = Object.freeze({
  local: async () => (await import('./local/local-platform.js')).openLocalPlatform,
  kubernetes: async () => (await import('./kubernetes/kubernetes-platform.js')).openKubernetesPlatform,
});

/** The configured platform, opened once at start-up: the one place that picks an implementation. */
export async function choosePlatform(context: PlatformContext): Promise<Platform> {
  const open = PLATFORMS[context.config.executor];
  // Reachable from untyped callers (config files, JS).
  if (!open) throw new Error(`unknown platform ${JSON.stringify(context.config.executor)}`);
  return (await open())(context);
}
