import { FAILURE_CLASS_NAMES, FAILURE_CLASSES, isFailureClass, type FailureClass } from '../pipeline/failure-class.js';
import { numberOrNull } from './columns.js';
import type { ConflictWrites, KilnDb } from './conflict-writes.js';
import type { StageAttemptStatus } from './statuses.js';
import type { StageAttemptsTable } from './tables.js';

export interface StageAttemptRecord {
  runId: string;
  stage: string;
  attempt: number;
  status: StageAttemptStatus;
  failureClass: FailureClass | null;
  /** true: Kiln retried the stage after this attempt; false: this attempt ended it; null while running. */
  retried: boolean | null;
  message: string | null;
  logUri: string | null;
  worker: string | null;
  startedAt: number;
  finishedAt: number | null;
}

export interface AttemptEnd {
  runId: string;
  stage: string;
  attempt: number;
  status: Exclude<StageAttemptStatus, 'running'>;
  failureClass?: FailureClass | null;
  retried?: boolean | null;
  message?: string | null;
  logUri?: string | null;
  /** Only used when the attempt was never recorded as started. */
  startedAt?: number;
}

/** The classes that use up run_policy.retry_count_limit (see FAILURE_CLASSES). */
const COUNTED = FAILURE_CLASS_NAMES.filter((c) => FAILURE_CLASSES[c].countsTowardsLimit);

/** Every attempt of every stage, and why each ended. Writes are idempotent for activity retries. */
export class StageAttemptsRepository {
  constructor(
    private readonly db: KilnDb,
    private readonly writes: ConflictWrites,
    private readonly now: () => number = Date.now,
  ) {}

  async begin(attempt: { runId: string; stage: string; attempt: number; startedAt?: number; worker?: string }): Promise<void> {
    const row: StageAttemptsTable = {
      run_id: attempt.runId,
      stage: attempt.stage,
      attempt: attempt.attempt,
      status: 'running',
      failure_class: null,
      retried: null,
      message: null,
      log_uri: null,
      worker: attempt.worker ?? null,
      started_at: attempt.startedAt ?? this.now(),
      finished_at: null,
    };
    await this.writes.insertIfAbsent(this.db, 'stage_attempts', row, { key: ['run_id', 'stage', 'attempt'] });
  }

  async end(end: AttemptEnd): Promise<void> {
    const now = this.now();
    const row: StageAttemptsTable = {
      run_id: end.runId,
      stage: end.stage,
      attempt: end.attempt,
      status: end.status,
      failure_class: end.failureClass ?? null,
      retried: end.retried == null ? null : end.retried ? 1 : 0,
      message: end.message ?? null,
      log_uri: end.logUri ?? null,
      worker: null,
      started_at: end.startedAt ?? now,
      finished_at: now,
    };
    await this.writes.upsert(this.db, 'stage_attempts', row, {
      key: ['run_id', 'stage', 'attempt'],
      update: ['status', 'failure_class', 'retried', 'message', 'log_uri', 'finished_at'],
    });
  }

  /**
   * Marks the stage's earlier attempts that never recorded an end as lost with their worker:
   * a new attempt only starts once Temporal gave up on them (heartbeat timeout, or the next
   * worker on the machine failed them). Returns how many it closed.
   */
  async closeAbandoned(runId: string, stage: string, beforeAttempt: number, message: string): Promise<number> {
    const result = await this.db
      .updateTable('stage_attempts')
      .set({ status: 'failed', failure_class: 'lost_worker' satisfies FailureClass, retried: 1, message, finished_at: this.now() })
      .where('run_id', '=', runId)
      .where('stage', '=', stage)
      .where('attempt', '<', beforeAttempt)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** closeAbandoned for every attempt of these stages of the run, in one statement. */
  async closeAbandonedOfStages(runId: string, stages: readonly string[], message: string): Promise<void> {
    if (stages.length === 0) return;
    await this.db
      .updateTable('stage_attempts')
      .set({ status: 'failed', failure_class: 'lost_worker' satisfies FailureClass, retried: 1, message, finished_at: this.now() })
      .where('run_id', '=', runId)
      .where('stage', 'in', stages)
      .where('status', '=', 'running')
      .execute();
  }

  /** Failed attempts of the stage whose class uses up retry_count_limit. */
  async countTowardsLimit(runId: string, stage: string): Promise<number> {
    const row = await this.db
      .selectFrom('stage_attempts')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('run_id', '=', runId)
      .where('stage', '=', stage)
      .where('status', '=', 'failed')
      .where('failure_class', 'in', COUNTED)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The run's attempts by stage, then attempt number. */
  async list(runId: string): Promise<StageAttemptRecord[]> {
    const rows = await this.db.selectFrom('stage_attempts').selectAll().where('run_id', '=', runId).orderBy('stage').orderBy('attempt').execute();
    return rows.map(toAttempt);
  }
}

function toAttempt(row: StageAttemptsTable): StageAttemptRecord {
  return {
    runId: row.run_id,
    stage: row.stage,
    attempt: Number(row.attempt),
    status: row.status,
    failureClass: isFailureClass(row.failure_class) ? row.failure_class : null,
    retried: row.retried === null ? null : Number(row.retried) === 1,
    message: row.message,
    logUri: row.log_uri,
    worker: row.worker,
    startedAt: Number(row.started_at),
    finishedAt: numberOrNull(row.finished_at),
  };
}
