import { Hyperparameters } from '../specs/hyperparameters.js';
import { STAGES } from '../pipeline/stage-names.js';
import { RunPolicy } from '../specs/run-policy.js';
import { numberOrNull, parseJsonColumn } from './columns.js';
import type { RunStatus, StageStatus } from './statuses.js';
import type { RunStagesTable, RunsTable } from './tables.js';

export interface RunRecord {
  id: string;
  project: string;
  modelName: string;
  workflowId: string;
  status: RunStatus;
  params: Hyperparameters;
  policy: RunPolicy;
  environmentDigest: string | null;
  datasetVersion: string | null;
  sourceDigest: string | null;
  /** Time spent waiting for the environment build before the first stage could start. */
  buildWaitMs: number | null;
  error: string | null;
  /** Why the run failed (a FailureClass), when it did. */
  failureClass: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** The failed run this one resumed, if it is a resume. */
  resumedFrom: string | null;
  /** Why it started (a TriggerKind); null for runs older than continuous training. */
  trigger: string | null;
  /** The schedule that started it. */
  schedule: string | null;
}

export interface StageRecord {
  runId: string;
  stage: string;
  status: StageStatus;
  /** 1-based attempt currently or last run; 0 before the first. */
  attempt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Wall-clock time of the stage, retries included. */
  durationMs: number | null;
  /** Time the user process itself ran (last attempt). */
  processMs: number | null;
  message: string | null;
  /** Set when the stage was cached: the run whose outputs it reused. */
  reusedFrom: string | null;
}

export interface RunWithStages extends RunRecord {
  /** Pipeline order (preprocess, train, evaluate), other stages after, by name. */
  stages: StageRecord[];
}

export function toRun(row: RunsTable): RunRecord {
  return {
    id: row.id,
    project: row.project,
    modelName: row.model_name,
    workflowId: row.workflow_id,
    status: row.status,
    params: parseJsonColumn(Hyperparameters, row.params_json, `runs.params_json of "${row.id}"`),
    policy: parseJsonColumn(RunPolicy, row.policy_json, `runs.policy_json of "${row.id}"`),
    environmentDigest: row.environment_digest,
    datasetVersion: row.dataset_version,
    sourceDigest: row.source_digest,
    buildWaitMs: numberOrNull(row.build_wait_ms),
    error: row.error,
    failureClass: row.failure_class ?? null,
    trigger: row.trigger ?? null,
    schedule: row.schedule ?? null,
    createdAt: Number(row.created_at),
    startedAt: numberOrNull(row.started_at),
    finishedAt: numberOrNull(row.finished_at),
    resumedFrom: row.resumed_from ?? null,
  };
}

export function toStage(row: RunStagesTable): StageRecord {
  return {
    runId: row.run_id,
    stage: row.stage,
    status: row.status,
    attempt: Number(row.attempt),
    startedAt: numberOrNull(row.started_at),
    finishedAt: numberOrNull(row.finished_at),
    durationMs: numberOrNull(row.duration_ms),
    processMs: numberOrNull(row.process_ms),
    message: row.message,
    reusedFrom: row.reused_from ?? null,
  };
}

// Sorted here rather than in SQL: pipeline order is not alphabetical.
export function byPipelineOrder(a: StageRecord, b: StageRecord): number {
  const rank = (stage: string) => {
    const i = (STAGES as readonly string[]).indexOf(stage);
    return i === -1 ? STAGES.length : i;
  };
  return rank(a.stage) - rank(b.stage) || (a.stage < b.stage ? -1 : a.stage > b.stage ? 1 : 0);
}
