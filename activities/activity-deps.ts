import type { Client } from '@temporalio/client';
import type { ArtifactStore } from '../core/artifacts/artifact-store.js';
import type { KilnConfig } from '../core/config.js';
import type { VenvBuilder } from '../core/environments/venv-builder.js';
import type { StageExecutor } from '../core/executors/executor.js';
import type { KubeClients } from '../core/kubernetes/kube-clients.js';
import type { KubernetesSettings } from '../core/kubernetes/kubernetes-settings.js';
import type { MetadataStore } from '../core/metadata/metadata-store.js';

/** Everything activities touch, built once by the worker (workers/create-worker.ts). */
export interface ActivityDeps {
  config: KilnConfig;
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  executor: StageExecutor;
  environments: VenvBuilder;
  /** Used to start or join shared environment builds. */
  temporal: Client;
  /** Directory put on PYTHONPATH so stages can import kiln_sdk. */
  sdkDir: string;
  /** Set when stages run on Kubernetes: environments become images, serving a Deployment. */
  cluster?: { clients: KubeClients; settings: KubernetesSettings };
  /** Heartbeat interval of long activities (default 2 s). */
  heartbeatIntervalMs?: number;
}
