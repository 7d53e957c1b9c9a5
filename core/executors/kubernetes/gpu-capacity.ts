import type { KubeClients } from '../../kubernetes/kube-clients.js';

export const GPU_RESOURCE = 'nvidia.com/gpu';

/** The most GPUs any single node can offer (its allocatable nvidia.com/gpu); 0 when none has any. */
export async function largestGpuNode(clients: KubeClients): Promise<number> {
  const nodes = await clients.core.listNode();
  return Math.max(0, ...nodes.items.map((n) => Number(n.status?.allocatable?.[GPU_RESOURCE] ?? 0)).filter(Number.isFinite));
}
