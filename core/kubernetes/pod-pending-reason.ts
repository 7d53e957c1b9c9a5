import type { V1Pod } from '@kubernetes/client-node';

export interface PodPending {
  /** What holds the pod back, as a person reads it: `waiting for GPU: 0/3 nodes are available: …`. */
  reason: string;
  /** Its image cannot be pulled: waiting longer rarely helps. */
  imagePullFailing?: boolean;
}

const IMAGE_PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

/**
 * What keeps a pod from running that a user can act on: the scheduler's verdict (not enough
 * GPUs, no matching node) or an image that cannot be pulled. Undefined when neither holds it.
 * Stages and workspaces report it the same way.
 */
export function podPendingReason(pod: V1Pod): PodPending | undefined {
  const unschedulable = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unschedulable) {
    const why = unschedulable.message ?? unschedulable.reason ?? 'unschedulable';
    return { reason: /nvidia\.com\/gpu/.test(why) ? `waiting for GPU: ${why}` : `waiting for a node: ${why}` };
  }
  const waiting = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find(
    (c) => c.state?.waiting && IMAGE_PULL_REASONS.has(c.state.waiting.reason ?? ''),
  );
  if (!waiting) return undefined;
  const state = waiting.state!.waiting!;
  return { reason: `image ${waiting.image} cannot be pulled: ${state.reason}${state.message ? ` (${state.message})` : ''}`, imagePullFailing: true };
}
