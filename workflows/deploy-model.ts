import { ApplicationFailure, patched, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { KilnActivities } from '../activities/index.js';
import { nonRetriedTypes } from '../core/pipeline/failure-class.js';
import { DEPLOYMENT_OVERTAKEN } from '../core/pipeline/workflow-ids.js';

export interface DeployModelInput {
  modelName: string;
  version: number;
  /** Why, for the Web UI: `rollback from v3`, `promote`. */
  reason: string;
  /** Who asked (a user, for the alias history). Absent in older histories. */
  actor?: string;
}

const { deployModel } = proxyActivities<KilnActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: nonRetriedTypes('NotFoundError', 'EnvironmentUnavailableError') },
});

const { moveAlias, moveAliasWhileServing } = proxyLocalActivities<KilnActivities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 10 } });

/** From here on a deployment (a rollback) also moves the `champion` alias, recorded in its history. */
export const DEPLOY_MOVES_CHAMPION_PATCH = 'kiln-deploy-moves-champion';

/** From here on it moves `champion` only while its version is the one serving (as promotion does). */
export const DEPLOY_CHAMPION_WHILE_SERVING_PATCH = 'kiln-deploy-champion-while-serving';

/**
 * Serves one registered version of a model, swapping it in for the current one (a hot swap
 * locally, a rolling update on Kubernetes), and makes it champion. One per model at a time:
 * its id is the model's.
 */
export async function deployModelWorkflow(input: DeployModelInput): Promise<{ url: string; deploymentId: string }> {
  // Decided before any command, so a deployment keeps the behaviour it started with.
  const championWhileServing = patched(DEPLOY_CHAMPION_WHILE_SERVING_PATCH);
  const movesChampion = championWhileServing || patched(DEPLOY_MOVES_CHAMPION_PATCH);
  const deployed = await deployModel({ modelName: input.modelName, version: input.version });
  if (!movesChampion) return deployed;
  const { workflowId, runId } = workflowInfo();
  const move = {
    eventId: `${workflowId}/${runId}`,
    modelName: input.modelName,
    alias: 'champion',
    version: input.version,
    actor: input.actor ?? 'rollback',
    reason: input.reason,
  };
  if (!championWhileServing) {
    await moveAlias(move);
    return deployed;
  }
  const crowned = await moveAliasWhileServing(move);
  if (!crowned.moved) {
    const what =
      crowned.servingVersion === null
        ? 'the model was undeployed before it became champion'
        : `a promotion served v${crowned.servingVersion} after it, which serves and stays champion`;
    throw ApplicationFailure.nonRetryable(`${input.modelName} v${input.version} was deployed, but ${what}`, DEPLOYMENT_OVERTAKEN);
  }
  return deployed;
}
