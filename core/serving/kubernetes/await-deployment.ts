import type { V1Deployment } from '@kubernetes/client-node';
import { type AwaitObjectOptions, awaitObject } from '../../kubernetes/await-object.js';
import type { KubeClients } from '../../kubernetes/kube-clients.js';

export interface AwaitDeploymentOptions extends Pick<AwaitObjectOptions<V1Deployment>, 'signal' | 'timeoutMs' | 'awaited' | 'judge'> {
  clients: KubeClients;
  namespace: string;
  name: string;
}

/** Watches one Deployment until `judge` ends the wait (await-object.ts). */
export function awaitDeployment({ clients, namespace, name, ...wait }: AwaitDeploymentOptions): Promise<void> {
  return awaitObject<V1Deployment>({
    ...wait,
    watch: clients.watch,
    path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
    kind: 'Deployment',
    name,
    list: () => clients.apps.listNamespacedDeployment({ namespace, fieldSelector: `metadata.name=${name}` }),
  });
}
