import { AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig, Log, Watch } from '@kubernetes/client-node';
import type { KubernetesSettings } from './kubernetes-settings.js';

/** The typed API clients Kiln uses, bound to one cluster and namespace. */
export interface KubeClients {
  readonly config: KubeConfig;
  readonly namespace: string;
  readonly core: CoreV1Api;
  readonly batch: BatchV1Api;
  readonly apps: AppsV1Api;
  readonly watch: Watch;
  readonly log: Log;
}

/** Clients from the settings' kubeconfig, else in-cluster credentials, else the default kubeconfig. */
export function connectKubernetes(settings: Pick<KubernetesSettings, 'kubeconfig' | 'namespace'>): KubeClients {
  const config = new KubeConfig();
  if (settings.kubeconfig) config.loadFromFile(settings.kubeconfig);
  else config.loadFromDefault();
  return Object.freeze({
    config,
    namespace: settings.namespace,
    core: config.makeApiClient(CoreV1Api),
    batch: config.makeApiClient(BatchV1Api),
    apps: config.makeApiClient(AppsV1Api),
    watch: new Watch(config),
    log: new Log(config),
  });
}
