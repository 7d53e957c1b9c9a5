import type { V1Deployment } from '@kubernetes/client-node';
import { BackendUnavailableError } from '../../errors.js';
import type { KubeClients } from '../../kubernetes/kube-clients.js';
import { watchObjects } from '../../kubernetes/watch-objects.js';

export interface AwaitDeploymentOptions {
  clients: KubeClients;
  namespace: string;
  name: string;
  /** Aborting stops waiting (with the signal's reason); the Deployment itself is left as it is. */
  signal?: AbortSignal;
  /** A backstop: the wait fails with BackendUnavailableError after this long. */
  timeoutMs: number;
  /** What is awaited, for the backstop's message: `finish rolling out`. */
  awaited: string;
  /**
   * Called with every state the watch delivers, and with undefined once there is no such
   * Deployment (deleted, or none listed): true ends the wait, an Error fails it, a string says
   * what it still waits for.
   */
  judge(deployment: V1Deployment | undefined): true | Error | string;
}

/** Watches one Deployment until `judge` ends the wait; events are level, not edge (a resumed watch lists again). */
export function awaitDeployment({ clients, namespace, name, signal, timeoutMs, awaited, judge }: AwaitDeploymentOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    let last = 'waiting for the Deployment';
    let settled = false;
    const settle = (verdict: true | Error | string) => {
      if (settled) return;
      if (typeof verdict === 'string') {
        last = verdict;
        return;
      }
      settled = true;
      stop();
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (verdict === true) resolve();
      else reject(verdict);
    };
    const onAbort = () => settle(signal!.reason instanceof Error ? signal!.reason : new Error(`wait for Deployment ${name} aborted`));
    const timer = setTimeout(() => settle(new BackendUnavailableError('kubernetes', `Deployment ${name} did not ${awaited}: ${last}`)), timeoutMs);
    const fieldSelector = `metadata.name=${name}`;
    const stop = watchObjects<V1Deployment>({
      watch: clients.watch,
      path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
      fieldSelector,
      list: async () => {
        const listed = await clients.apps.listNamespacedDeployment({ namespace, fieldSelector });
        if (listed.items.length === 0) settle(judge(undefined));
        return listed;
      },
      onEvent: (type, deployment) => settle(judge(type === 'DELETED' ? undefined : deployment)),
      onError: (error) => settle(error instanceof Error ? error : new Error(String(error))),
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
  });
}
