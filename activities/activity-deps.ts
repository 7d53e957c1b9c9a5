import type { Client } from '@temporalio/client';
import type { ArtifactStore } from '../core/artifacts/artifact-store.js';
import type { KilnConfig } from '../core/config.js';
import type { MetadataStore } from '../core/metadata/metadata-store.js';
import type { Platform } from '../core/platform/platform.js';

/** Everything activities touch, built once by the worker (workers/create-worker.ts). */
export interface ActivityDeps {
  config: KilnConfig;
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  /** Where stages run, environments are built and models served; activities never ask which one. */
  platform: Platform;
  /** Used to start or join shared environment builds. */
  temporal: Client;
  /** Heartbeat interval of long activities (default 2 s). */
  heartbeatIntervalMs?: number;
}
