import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { ConflictError, NotFoundError, SpecValidationError } from '../core/errors.js';
import type { MetadataStore } from '../core/metadata/metadata-store.js';
import type { RunProgress } from '../core/pipeline/run-progress.js';
import { AliasName, CHAMPION, parseSpec } from '../core/specs/index.js';
import { KilnModel, KilnPromotion } from '../core/temporal/search-attributes.js';
import { progressQuery, promotionDecisionUpdate } from '../workflows/pipeline-signals.js';
import type { SchedulesService } from './schedules-service.js';

/** `kiln model approve|reject`: which waiting run, and why. */
export const ApprovalRequest = z
  .object({
    run_id: z.string().min(1).max(128),
    reason: z.string().max(1000).optional(),
    /** Who decides; recorded in the run and the alias history. */
    by: z.string().min(1).max(128).default('api').describe('Set by the API to the authenticated caller; a value sent here is replaced'),
  })
  .strict();

/** Point a user alias (`staging`, `candidate`, …) at a version. */
export const AliasRequest = z
  .object({
    alias: AliasName,
    version: z.number().int().min(1),
    reason: z.string().max(1000).default('set by hand'),
    by: z.string().min(1).max(128).default('api').describe('Set by the API to the authenticated caller; a value sent here is replaced'),
  })
  .strict();

export interface PendingApproval {
  run_id: string;
  model: string;
  version?: number;
  project: string;
  waiting_since?: string;
  message?: string;
  champion?: { version: number; metrics?: Record<string, number> };
  metrics: Record<string, number>;
}

export interface ModelsServiceOptions {
  temporal: Client;
  metadata: MetadataStore;
  schedules: SchedulesService;
}

/** The model registry's continuous-training side: aliases and their history, approvals, the loop at a glance. */
export class ModelsService {
  constructor(private readonly options: ModelsServiceOptions) {}

  /** Versions, aliases, the alias history, the serving deployment and the schedules that feed the model. */
  async show(model: string) {
    const { metadata } = this.options;
    const [versions, aliases, history, serving] = await Promise.all([
      metadata.models.list(model),
      metadata.aliases.list(model),
      metadata.aliases.history(model),
      metadata.models.currentDeployment(model),
    ]);
    if (versions.length === 0) throw new NotFoundError('model', model);
    const projects = (await metadata.projects.list()).filter((p) => (p.spec.model_name ?? p.spec.name) === model).map((p) => p.name);
    const schedules = (await this.options.schedules.list()).filter((s) => projects.includes(s.project));
    return {
      name: model,
      versions: versions.map((v) => ({ ...v, aliases: aliases.filter((a) => a.version === v.version).map((a) => a.alias) })),
      aliases,
      alias_history: history,
      serving: serving ? { version: serving.version, url: serving.url, since: new Date(serving.startedAt).toISOString() } : null,
      projects,
      schedules: schedules.map((s) => ({
        name: s.name,
        project: s.project,
        cadence: s.cadence,
        paused: s.paused,
        next_fire_times: s.next_fire_times.slice(0, 1),
      })),
    };
  }

  async setAlias(model: string, body: unknown) {
    const request = parseSpec(AliasRequest, body);
    if (request.alias === CHAMPION)
      throw new ConflictError(
        'alias',
        `"champion" is what serves: it moves by promotion, approval or \`kiln model rollback ${model} --to-version ${request.version}\``,
      );
    if (!(await this.options.metadata.models.get(model, request.version))) throw new NotFoundError('model version', `${model} v${request.version}`);
    const event = await this.options.metadata.aliases.move({
      eventId: `alias/${randomUUID()}`,
      modelName: model,
      alias: request.alias,
      version: request.version,
      actor: request.by,
      reason: request.reason,
    });
    return { model, alias: request.alias, version: request.version, previous_version: event.previousVersion };
  }

  async deleteAlias(model: string, alias: string, by = 'api') {
    const name = parseSpec(AliasName, alias, 'alias');
    if (name === CHAMPION) throw new ConflictError('alias', '"champion" cannot be removed: roll back to another version instead');
    if (!(await this.options.metadata.aliases.get(model, name))) throw new NotFoundError('alias', `${model}@${name}`);
    await this.options.metadata.aliases.move({
      eventId: `alias/${randomUUID()}`,
      modelName: model,
      alias: name,
      version: null,
      actor: by,
      reason: 'removed by hand',
    });
    return { model, alias: name, deleted: true };
  }

  /** Approves or rejects a run waiting for approval (a Temporal update; 409 unless it is waiting). */
  async decide(model: string, approve: boolean, body: unknown) {
    const request = parseSpec(ApprovalRequest, body);
    const handle = this.options.temporal.workflow.getHandle(request.run_id);
    const description = await handle.describe().catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) throw new NotFoundError('run', request.run_id);
      throw error;
    });
    if (description.typedSearchAttributes.get(KilnModel) !== model) throw new NotFoundError('run of model', `${request.run_id} (${model})`);
    if (description.status.name !== 'RUNNING') throw new ConflictError('run', `run ${request.run_id} is not waiting for approval: it has ended`);
    try {
      const result = await handle.executeUpdate(promotionDecisionUpdate, {
        args: [{ approve, by: request.by, ...(request.reason ? { reason: request.reason } : {}) }],
      });
      return { run_id: request.run_id, model, version: result.version, decision: approve ? 'approved' : 'rejected', by: request.by };
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
        if (error.cause.type === 'NotAwaitingApproval') throw new ConflictError('run', error.cause.message);
        if (error.cause.type === 'SpecValidationError') throw new SpecValidationError([{ path: 'by', message: error.cause.message }]);
      }
      throw error;
    }
  }

  /** Runs waiting for a person's decision, oldest first. */
  async pending(model?: string): Promise<PendingApproval[]> {
    if (model !== undefined) parseSpec(z.string().regex(/^[a-z0-9-]{1,63}$/, 'not a model name'), model, 'model');
    const query = `${KilnPromotion.name} = 'awaiting_approval' AND ExecutionStatus = 'Running'${model ? ` AND ${KilnModel.name} = '${model}'` : ''}`;
    const found: PendingApproval[] = [];
    for await (const run of this.options.temporal.workflow.list({ query })) {
      const progress: RunProgress | undefined = await this.options.temporal.workflow
        .getHandle(run.workflowId)
        .query(progressQuery)
        .catch(() => undefined);
      if (progress?.promotion !== 'awaiting_approval') continue;
      const promote = progress.steps.find((s) => s.step === 'promote');
      found.push({
        run_id: progress.runId,
        model: progress.modelName,
        project: progress.project,
        ...(progress.modelVersion ? { version: progress.modelVersion } : {}),
        ...(promote?.startedAt ? { waiting_since: promote.startedAt } : {}),
        ...(promote?.message ? { message: promote.message } : {}),
        ...(progress.champion ? { champion: progress.champion } : {}),
        metrics: progress.metrics,
      });
    }
    return found.sort((a, b) => (a.waiting_since ?? '').localeCompare(b.waiting_since ?? ''));
  }
}
