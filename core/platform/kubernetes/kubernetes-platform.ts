import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { readToolVersions } from '../../environments/tool-paths.js';
import { KanikoImageBuilder } from '../../environments/image/kaniko-image-builder.js';
import { KubernetesExecutor } from '../../executors/kubernetes/kubernetes-executor.js';
import { connectKubernetes, type KubeClients } from '../../kubernetes/kube-clients.js';
import type { KubernetesSettings } from '../../kubernetes/kubernetes-settings.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import { ClusterModelServing } from '../../serving/kubernetes/cluster-model-serving.js';
import { KubernetesWorkspaceHost } from '../../workspaces/kubernetes/kubernetes-workspace-host.js';
import type { PlatformContext } from '../choose-platform.js';
import type { Platform } from '../platform.js';
import { kubernetesStageLauncher } from './kubernetes-stage-launcher.js';

export interface KubernetesPlatformOptions {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  clients: KubeClients;
  settings: KubernetesSettings;
  /** The JupyterLab version workspace pods install; default 4.6.6 (JUPYTERLAB_VERSION in scripts/tool-versions.sh). */
  jupyterlabVersion?: string;
}

/**
 * A Kubernetes cluster: stages are Jobs in their environment's image, environments images
 * built by Kaniko and pushed to the registry (tagged by spec digest), each served model a
 * Deployment that the cluster keeps running whatever happens to the worker, and each running
 * workspace a Pod and Service whose files live in the artifact store.
 */
export function kubernetesPlatform({ metadata, artifacts, clients, settings, jupyterlabVersion }: KubernetesPlatformOptions): Platform {
  const cluster = { clients, settings };
  const images = new KanikoImageBuilder(cluster);
  const models = new ClusterModelServing({ metadata, cluster });
  const platform: Platform = {
    name: 'kubernetes',
    capabilities: Object.freeze({ gpuSlots: settings.gpuSlots }),
    executor: new KubernetesExecutor(cluster),
    stages: kubernetesStageLauncher({ artifacts, settings }),
    environments: {
      async build(spec, digest, options) {
        const built = await images.build(spec, digest, options);
        return {
          location: built.image,
          pythonExecutable: 'python',
          pythonVersion: spec.python_version,
          durationMs: built.durationMs,
          reused: built.reused,
          image: built.image,
        };
      },
      // Images live in the registry every node pulls from: one recorded as built is there for every worker.
      isAvailable: () => true,
    },
    serving: {
      deploy: (request, signal) => models.deploy(request, signal),
      // A candidate Deployment and Service beside the model's; Kiln's API routes its share (deploy/README.md).
      startCandidate: (request, signal) => models.startCandidate(request, signal),
      stopCandidate: (request) => models.stopCandidate(request),
      // Deployments are the cluster's to keep running: nothing for a worker to stop or relaunch.
      restoreAll: async () => [],
      stopAll: async () => undefined,
      // Each model-server pod's sidecar ships its own log (`kiln serving-io ship`).
      predictionSpools: async () => [],
    },
    workspaces: new KubernetesWorkspaceHost({ clients, settings, artifacts, jupyterlabVersion: jupyterlabVersion ?? '4.6.6' }),
  };
  return Object.freeze(platform);
}

/** The Kubernetes platform as the worker opens it (choose-platform.ts), from the KILN_K8S_* settings. */
export async function openKubernetesPlatform({ config, metadata, artifacts }: PlatformContext): Promise<Platform> {
  const settings = config.kubernetes;
  // config.ts fills the settings whenever KILN_EXECUTOR=kubernetes; a config built by hand may omit them.
  if (!settings) throw new Error('the kubernetes platform needs config.kubernetes (KILN_K8S_* settings)');
  const jupyterlabVersion = (await readToolVersions(config.installDir)).JUPYTERLAB_VERSION;
  return kubernetesPlatform({ metadata, artifacts, clients: connectKubernetes(settings), settings, ...(jupyterlabVersion ? { jupyterlabVersion } : {}) });
}
