import type { KubeClients } from '../../core/kubernetes/kube-clients.js';

/**
 * A kwok-managed node with GPUs that only one test file uses: tainted so nobody else's pods
 * land there, and labelled so that file's pods (with the matching selector and toleration) do.
 * Test files run in parallel and would otherwise compete for the shared GPU node.
 * Returns the node selector and toleration to give the executor, a way to take some of its GPUs,
 * and a removal function.
 */
export async function createPrivateGpuNode(admin: KubeClients, name: string, gpus: number) {
  await admin.core.createNode({
    body: {
      metadata: {
        name,
        annotations: { 'kwok.x-k8s.io/node': 'fake' },
        labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', type: 'kwok', 'kiln.dev/pool': name, 'nvidia.com/gpu.present': 'true' },
      },
      spec: { taints: [{ key: 'kiln.dev/pool', value: name, effect: 'NoSchedule' }] },
      // Nodes take their status on create; kwok keeps it Ready from there.
      status: {
        capacity: { cpu: '8', memory: '32Gi', pods: '110', 'nvidia.com/gpu': String(gpus) },
        allocatable: { cpu: '8', memory: '32Gi', pods: '110', 'nvidia.com/gpu': String(gpus) },
      },
    },
  });
  const nodeSelector = { 'kiln.dev/pool': name };
  const tolerations = [{ key: 'kiln.dev/pool', operator: 'Equal' as const, value: name, effect: 'NoSchedule' as const }];
  return {
    nodeSelector,
    tolerations,
    /** Someone else's pod on the node (running until deleted) holding `count` of its GPUs; resolves to its release. */
    holdGpus: async (count: number) => {
      const holder = `gpu-holder-${Date.now().toString(36)}`;
      await admin.core.createNamespacedPod({
        namespace: admin.namespace,
        body: {
          metadata: { name: holder, annotations: { 'kiln.dev/simulate': 'hang' } },
          spec: { nodeSelector, tolerations, containers: [{ name: 'c', image: 'x', resources: { limits: { 'nvidia.com/gpu': String(count) } } }] },
        },
      });
      return () => admin.core.deleteNamespacedPod({ namespace: admin.namespace, name: holder, gracePeriodSeconds: 0 });
    },
    remove: () =>
      admin.core.deleteNode({ name }).then(
        () => undefined,
        () => undefined,
      ),
  };
}
