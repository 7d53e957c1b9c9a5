import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createArtifactStore } from '../core/artifacts/create-artifact-store.js';
import type { ArtifactStore } from '../core/artifacts/artifact-store.js';
import { homePaths, type KilnConfig } from '../core/config.js';
import { requireTool } from '../core/environments/tool-paths.js';
import { VenvBuilder } from '../core/environments/venv-builder.js';
import { connectKubernetes, type KubeClients } from '../core/kubernetes/kube-clients.js';
import type { KubernetesSettings } from '../core/kubernetes/kubernetes-settings.js';
import { createExecutor } from '../core/executors/create-executor.js';
import type { StageExecutor } from '../core/executors/executor.js';
import { openMetadataStore, type MetadataStore } from '../core/metadata/metadata-store.js';
import { runningPaths } from './orphan-cleanup.js';

export interface Backends {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  executor: StageExecutor;
  environments: VenvBuilder;
  /** The cluster, when stages run on Kubernetes (KILN_EXECUTOR=kubernetes). */
  cluster?: { clients: KubeClients; settings: KubernetesSettings };
  sdkDir: string;
  close(): Promise<void>;
}

/** Opens the configured backends; the one place besides the factories that names them. */
export async function openBackends(config: KilnConfig): Promise<Backends> {
  const paths = homePaths(config.home);
  // The data directory holds credentials and everyone's runs: only its owner may read it.
  if (!existsSync(config.home)) mkdirSync(config.home, { recursive: true, mode: 0o700 });
  const metadata = await openMetadataStore({ url: config.databaseUrl, sqlitePath: paths.database });
  const artifacts = createArtifactStore({ url: config.artifactsUrl, filesystemRoot: paths.artifacts });
  // A real round trip now, so a misconfigured store refuses start-up with its one-line reason.
  await artifacts.probe().catch(async (error: unknown) => {
    await metadata.close();
    throw error;
  });
  const cluster = config.executor === 'kubernetes' && config.kubernetes ? { clients: connectKubernetes(config.kubernetes), settings: config.kubernetes } : undefined;
  const executor = cluster ? createExecutor({ kind: 'kubernetes', ...cluster }) : createExecutor({ kind: 'local', runningDir: runningPaths(config.home).groups });
  const environments = new VenvBuilder({ environmentsDir: paths.environments, uvPath: await requireTool(config, 'uv') });
  return {
    metadata,
    artifacts,
    executor,
    environments,
    ...(cluster ? { cluster } : {}),
    sdkDir: join(config.installDir, 'sdk', 'python'),
    close: () => metadata.close(),
  };
}
