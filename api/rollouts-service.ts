import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { MetadataStore } from '../core/metadata/metadata-store.js';
import { rolloutWorkflowId, WORKFLOW_TYPES } from '../core/pipeline/workflow-ids.js';
import { summarizeChallenger } from '../core/rollout/rollout-summary.js';
import { durationMs } from '../core/specs/duration.js';
import { parseSpec } from '../core/specs/parse-spec.js';
import { RolloutRequest } from '../core/specs/rollout.js';
import { KilnKind, KilnModel } from '../core/temporal/search-attributes.js';
import type { RolloutInput } from '../workflows/rollout.js';

export interface RolloutsServiceDeps {
  temporal: Client;
  metadata: MetadataStore;
  taskQueue: string;
}

/** Progressive delivery of model versions: starts rollout workflows and shows where they stand. */
export class RolloutsService {
  constructor(private readonly deps: RolloutsServiceDeps) {}

  /** `POST /v1/models/{name}/rollouts`: 404 for an unknown model or version, 409 while one runs or the version already serves. */
  async start(modelName: string, body: unknown) {
    const request = parseSpec(RolloutRequest, body);
    const { metadata, temporal } = this.deps;
    if ((await metadata.models.list(modelName)).length === 0) throw new NotFoundError('model', modelName);
    if (!(await metadata.models.get(modelName, request.version))) throw new NotFoundError('model version', `${modelName} v${request.version}`);
    const champion = await metadata.models.currentDeployment(modelName);
    if (!champion) throw new ConflictError('model', `${modelName} has no serving version to roll out beside`);
    if (champion.version === request.version) throw new ConflictError('model', `${modelName} v${request.version} is already serving`);
    const open = await metadata.rollouts.open(modelName);
    if (open) throw new ConflictError('rollout', `a rollout of ${modelName} (v${open.challengerVersion}) is already running`);
    const spec = request.rollout;
    const input: RolloutInput = {
      modelName,
      championVersion: champion.version,
      challengerVersion: request.version,
      rollout: spec,
      observeMs: spec.strategy === 'replace' ? 0 : durationMs(spec.duration),
      actor: request.by ?? 'rollout',
    };
    const workflowId = rolloutWorkflowId(modelName);
    try {
      await temporal.workflow.start(WORKFLOW_TYPES.rollout, {
        workflowId,
        taskQueue: this.deps.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        staticSummary: `${spec.strategy} rollout of ${modelName} v${request.version} beside v${champion.version}`,
        typedSearchAttributes: [
          { key: KilnModel, value: modelName },
          { key: KilnKind, value: 'rollout' },
        ],
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) throw new ConflictError('rollout', `a rollout of ${modelName} is already running`);
      throw error;
    }
    return { model: modelName, workflow_id: workflowId, strategy: spec.strategy, champion_version: champion.version, challenger_version: request.version };
  }

  /** `GET /v1/models/{name}/rollouts/current`: the open rollout, else the latest one, with the challenger's live numbers. */
  async current(modelName: string) {
    const { metadata } = this.deps;
    const rollout = (await metadata.rollouts.open(modelName)) ?? (await metadata.rollouts.latest(modelName));
    if (!rollout) throw new NotFoundError('rollout of model', modelName);
    const challenger = await metadata.rollouts.traffic(rollout.id, rollout.challengerVersion);
    const champion = await metadata.rollouts.traffic(rollout.id, rollout.championVersion);
    return {
      model: modelName,
      status: rollout.status,
      strategy: rollout.strategy,
      champion_version: rollout.championVersion,
      challenger_version: rollout.challengerVersion,
      challenger_percent: rollout.challengerPercent,
      spec: rollout.spec,
      reason: rollout.reason,
      started_by: rollout.startedBy,
      started_at: new Date(rollout.startedAt).toISOString(),
      ended_at: rollout.endedAt === null ? null : new Date(rollout.endedAt).toISOString(),
      challenger: summarizeChallenger(challenger, champion),
      champion_requests: champion.requests,
    };
  }
}
