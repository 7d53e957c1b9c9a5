import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client } from '@temporalio/client';
import { ConflictError, NotFoundError } from '../core/errors.js';
import { parseSpec } from '../core/specs/parse-spec.js';
import { RollbackRequest } from './http/request-schemas.js';
import type { MetadataStore } from '../core/metadata/metadata-store.js';
import { DEPLOYMENT_OVERTAKEN, deployWorkflowId, WORKFLOW_TYPES } from '../core/pipeline/workflow-ids.js';
import type { DeployModelInput } from '../workflows/deploy-model.js';

export interface RollbackResult {
  model: string;
  version: number;
  url: string;
  rolled_back_from: number | null;
}

/**
 * Serves an earlier version again: `toVersion`, or the one that served before the current one.
 * Runs as a deployModel workflow (durable, one per model at a time), and answers when the
 * version serves: locally a hot swap, on Kubernetes a rollout back to that version's ReplicaSet.
 */
export async function rollbackModel(
  deps: { temporal: Client; metadata: MetadataStore; taskQueue: string },
  modelName: string,
  body: unknown,
): Promise<RollbackResult> {
  const request = parseSpec(RollbackRequest, body === undefined ? {} : body);
  const requested = request.to_version;
  const current = await deps.metadata.models.currentDeployment(modelName);
  const target = requested ?? (await deps.metadata.models.previousDeployment(modelName))?.version;
  if (target === undefined) throw new ConflictError('model', `model ${modelName} has no earlier served version to roll back to`);
  if (!(await deps.metadata.models.get(modelName, target))) throw new NotFoundError('model version', `${modelName} v${target}`);
  if (current?.version === target) throw new ConflictError('model', `${modelName} v${target} is already serving`);
  const why = current ? `rollback from v${current.version}` : 'rollback';
  const input: DeployModelInput = { modelName, version: target, reason: request.reason ? `${why}: ${request.reason}` : why, actor: request.by ?? 'rollback' };
  let handle;
  try {
    handle = await deps.temporal.workflow.start(WORKFLOW_TYPES.deployModel, {
      workflowId: deployWorkflowId(modelName),
      taskQueue: deps.taskQueue,
      args: [input],
      staticSummary: `${input.reason}: serve ${modelName} v${target}`,
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw new ConflictError('model', `a deployment of ${modelName} is already in progress`);
    throw error;
  }
  const deployed = (await handle.result().catch((error: unknown) => Promise.reject(overtakenAsConflict(error)))) as { url: string };
  return { model: modelName, version: target, url: deployed.url, rolled_back_from: current?.version ?? null };
}

/** A rollback a promotion of the same model overtook (its version serves and is champion) is a 409, saying which serves. */
export function overtakenAsConflict(error: unknown): unknown {
  const cause = error instanceof WorkflowFailedError ? error.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type === DEPLOYMENT_OVERTAKEN) return new ConflictError('model', cause.message);
  return error;
}
