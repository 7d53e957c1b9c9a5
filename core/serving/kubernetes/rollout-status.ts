import type { V1Deployment } from '@kubernetes/client-node';

export type RolloutStatus = { kind: 'complete' } | { kind: 'progressing'; message: string } | { kind: 'failed'; message: string };

/**
 * Whether a Deployment's latest spec is fully rolled out, as `kubectl rollout status` decides:
 * the controller has seen this generation, every replica runs the new template, no old one is
 * left, and all are available. A rollout that stalls past progressDeadlineSeconds has failed.
 */
export function rolloutStatus(deployment: V1Deployment): RolloutStatus {
  const generation = deployment.metadata?.generation ?? 0;
  const status = deployment.status ?? {};
  if ((status.observedGeneration ?? 0) < generation) return { kind: 'progressing', message: 'waiting for the Deployment controller to see the new spec' };
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return { kind: 'failed', message: progressing.message ?? 'progress deadline exceeded' };
  const desired = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  if (updated < desired) return { kind: 'progressing', message: `${updated} of ${desired} replicas updated` };
  if ((status.replicas ?? 0) > updated) return { kind: 'progressing', message: `${(status.replicas ?? 0) - updated} old replicas pending termination` };
  if ((status.availableReplicas ?? 0) < updated)
    return { kind: 'progressing', message: `${status.availableReplicas ?? 0} of ${updated} updated replicas available` };
  return { kind: 'complete' };
}
