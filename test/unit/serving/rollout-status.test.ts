import type { V1Deployment, V1DeploymentStatus } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { rolloutStatus } from '../../../core/serving/kubernetes/rollout-status.js';

const deployment = (status: V1DeploymentStatus, generation = 2, replicas = 2): V1Deployment => ({
  metadata: { generation },
  spec: { replicas, selector: {}, template: {} },
  status,
});

describe('rolloutStatus', () => {
  it.each<[string, V1DeploymentStatus, string]>([
    ['the controller has not seen the new spec', { observedGeneration: 1, updatedReplicas: 2, replicas: 2, availableReplicas: 2 }, 'progressing'],
    ['not every replica runs the new template', { observedGeneration: 2, updatedReplicas: 1, replicas: 3, availableReplicas: 2 }, 'progressing'],
    ['old replicas are still there', { observedGeneration: 2, updatedReplicas: 2, replicas: 3, availableReplicas: 3 }, 'progressing'],
    ['new replicas are not available yet', { observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 1 }, 'progressing'],
    ['every replica is new and available', { observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 2 }, 'complete'],
  ])('is %s → %s', (_label, status, kind) => {
    expect(rolloutStatus(deployment(status)).kind).toBe(kind);
  });

  it('has failed once the progress deadline passed', () => {
    const stalled = deployment({
      observedGeneration: 2,
      updatedReplicas: 1,
      replicas: 3,
      conditions: [
        { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "kiln-model-x-abc" has timed out progressing.' },
      ],
    });
    expect(rolloutStatus(stalled)).toEqual({ kind: 'failed', message: 'ReplicaSet "kiln-model-x-abc" has timed out progressing.' });
  });
});
