import { NotFoundError } from '../errors.js';
import { canonicalJson } from '../specs/canonical-json.js';
import type { Hyperparameters } from '../specs/hyperparameters.js';
import type { RunPolicy } from '../specs/run-policy.js';
import { inOneTransaction, type ConflictWrites, type KilnDb } from './conflict-writes.js';
import { byPipelineOrder, toRun, toStage, type RunRecord, type RunWithStages, type StageRecord } from './run-records.js';
import type { RunStatus, StageStatus } from './statuses.js';
import type { RunStagesTable, RunsTable } from './tables.js';

export type { RunRecord, RunWithStages, StageRecord } from './run-records.js';

export interface NewRun {
  id: string;
  project: string;
  modelName: string;
  workflowId: string;
  params: Hyperparameters;
  policy: RunPolicy;
  /** Default `queued`. */
  status?: RunStatus;
  environmentDigest?: string | null;
  datasetVersion?: string | null;
  sourceDigest?: string | null;
  /** The failed run this one resumes. */
  resumedFrom?: string | null;
  /** Why it started (a TriggerKind) and the schedule that started it. */
  trigger?: string | null;
  schedule?: string | null;
}

/** Fields to change; undefined ones are left as they are. */
export interface RunUpdate {
  status?: RunStatus;
  environmentDigest?: string | null;
  datasetVersion?: string | null;
  sourceDigest?: string | null;
  buildWaitMs?: number | null;
  error?: string | null;
  /** A FailureClass: why the run failed. */
  failureClass?: string | null;
  startedAt?: number | null;
  finishedAt?: number | null;
}

/** A stage's new state; undefined fields keep their stored value (or start empty). */
export interface StageWrite {
  runId: string;
  stage: string;
  status: StageStatus;
  /** The column is never NULL: null, like undefined, keeps the stored attempt (0 on insert). */
  attempt?: number | null;
  startedAt?: number | null;
  finishedAt?: number | null;
  durationMs?: number | null;
  processMs?: number | null;
  message?: string | null;
  /** The run whose outputs a cached stage reused. */
  reusedFrom?: string | null;
}

export interface ListRunsOptions {
  project?: string;
  /** Only runs started by this trigger (a TriggerKind) or this schedule. */
  trigger?: string;
  schedule?: string;
  status?: RunStatus | readonly RunStatus[];
  /** Default 50, at most 1000. */
  limit?: number;
}

/** Runs and their stages. Writes are idempotent so Temporal activities can retry them. */
export class RunsRepository {
  constructor(
    private readonly db: KilnDb,
    private readonly writes: ConflictWrites,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates the run, or returns it unchanged when `id` already exists (a retried activity). */
  async createRun(run: NewRun): Promise<RunWithStages> {
    const row: RunsTable = {
      id: run.id,
      project: run.project,
      model_name: run.modelName,
      workflow_id: run.workflowId,
      status: run.status ?? 'queued',
      params_json: canonicalJson(run.params),
      policy_json: canonicalJson(run.policy),
      environment_digest: run.environmentDigest ?? null,
      dataset_version: run.datasetVersion ?? null,
      source_digest: run.sourceDigest ?? null,
      build_wait_ms: null,
      error: null,
      created_at: this.now(),
      started_at: null,
      finished_at: null,
      resumed_from: run.resumedFrom ?? null,
      failure_class: null,
      trigger: run.trigger ?? null,
      schedule: run.schedule ?? null,
    };
    await this.writes.insertIfAbsent(this.db, 'runs', row, { key: ['id'] });
    return this.require(run.id);
  }

  /** Applies `update`; throws NotFoundError when the run does not exist. */
  async updateRun(id: string, update: RunUpdate): Promise<RunWithStages> {
    const set = runChanges(update);
    if (Object.keys(set).length) await this.db.updateTable('runs').set(set).where('id', '=', id).execute();
    return this.require(id);
  }

  /**
   * A run's end: its fields and every stage's state in one transaction (one commit rather than
   * one per stage, and nothing read back). Throws NotFoundError when the run does not exist.
   */
  async recordEnd(id: string, update: RunUpdate, stages: readonly Omit<StageWrite, 'runId'>[]): Promise<void> {
    await inOneTransaction(this.db, async (trx) => {
      const found = await trx.selectFrom('runs').select('id').where('id', '=', id).executeTakeFirst();
      if (!found) throw new NotFoundError('run', id);
      const set = runChanges(update);
      if (Object.keys(set).length) await trx.updateTable('runs').set(set).where('id', '=', id).execute();
      for (const stage of stages) await this.writeStage(trx, { ...stage, runId: id });
    });
  }

  /** Inserts or updates one stage of a run; the run must exist. */
  async upsertStage(update: StageWrite): Promise<StageRecord> {
    await this.writeStage(this.db, update);
    const stored = await this.db
      .selectFrom('run_stages')
      .selectAll()
      .where('run_id', '=', update.runId)
      .where('stage', '=', update.stage)
      .executeTakeFirstOrThrow();
    return toStage(stored);
  }

  private async writeStage(db: KilnDb, update: StageWrite): Promise<void> {
    const row: RunStagesTable = {
      run_id: update.runId,
      stage: update.stage,
      status: update.status,
      attempt: update.attempt ?? 0,
      started_at: update.startedAt ?? null,
      finished_at: update.finishedAt ?? null,
      duration_ms: update.durationMs ?? null,
      process_ms: update.processMs ?? null,
      message: update.message ?? null,
      reused_from: update.reusedFrom ?? null,
    };
    const given: Record<Exclude<keyof StageWrite, 'runId' | 'stage'>, keyof RunStagesTable> = {
      status: 'status',
      attempt: 'attempt',
      startedAt: 'started_at',
      finishedAt: 'finished_at',
      durationMs: 'duration_ms',
      processMs: 'process_ms',
      message: 'message',
      reusedFrom: 'reused_from',
    };
    // Only the fields the caller passed overwrite a stored stage; the defaults above are for inserts.
    const passed = (k: keyof typeof given) => (k === 'attempt' ? update.attempt != null : update[k] !== undefined);
    const updateColumns = (Object.keys(given) as (keyof typeof given)[]).filter(passed).map((k) => given[k]);
    await this.writes.upsert(db, 'run_stages', row, { key: ['run_id', 'stage'], update: updateColumns });
  }

  async getRun(id: string): Promise<RunWithStages | undefined> {
    const row = await this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const stages = await this.db.selectFrom('run_stages').selectAll().where('run_id', '=', id).execute();
    return { ...toRun(row), stages: stages.map(toStage).sort(byPipelineOrder) };
  }

  /** Runs newest first, optionally of one project and/or in some statuses. Stages not included. */
  async listRuns(options: ListRunsOptions = {}): Promise<RunRecord[]> {
    const limit = Math.min(Math.max(Math.trunc(options.limit ?? 50), 1), 1000);
    const statuses = options.status === undefined ? undefined : ([] as RunStatus[]).concat(options.status);
    let query = this.db.selectFrom('runs').selectAll();
    if (options.project !== undefined) query = query.where('project', '=', options.project);
    if (options.trigger !== undefined) query = query.where('trigger', '=', options.trigger);
    if (options.schedule !== undefined) query = query.where('schedule', '=', options.schedule);
    if (statuses !== undefined) {
      if (statuses.length === 0) return [];
      query = query.where('status', 'in', statuses);
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toRun);
  }

  private async require(id: string): Promise<RunWithStages> {
    const found = await this.getRun(id);
    if (!found) throw new NotFoundError('run', id);
    return found;
  }
}

/** The run columns an update sets: its defined fields. */
function runChanges(update: RunUpdate): Partial<RunsTable> {
  const set: Partial<RunsTable> = {
    status: update.status,
    environment_digest: update.environmentDigest,
    dataset_version: update.datasetVersion,
    source_digest: update.sourceDigest,
    build_wait_ms: update.buildWaitMs,
    error: update.error,
    failure_class: update.failureClass,
    started_at: update.startedAt,
    finished_at: update.finishedAt,
  };
  return Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined));
}
