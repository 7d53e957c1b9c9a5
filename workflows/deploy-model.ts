import { proxyActivities } from '@temporalio/workflow';
import type { KilnActivities } from '../activities/index.js';

export interface DeployModelInput {
  modelName: string;
  version: number;
  /** Why, for the Web UI: `rollback from v3`, `promote`. */
  reason: string;
}

const { deployModel } = proxyActivities<KilnActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['NotFoundError', 'EnvironmentUnavailableError'] },
});

/**
 * Serves one registered version of a model, swapping it in for the current one (a hot swap
 * locally, a rolling update on Kubernetes). One per model at a time: its id is the model's.
 */
export async function deployModelWorkflow(input: DeployModelInput): Promise<{ url: string; deploymentId: string }> {
  return deployModel({ modelName: input.modelName, version: input.version });
}
