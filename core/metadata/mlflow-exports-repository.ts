import type { ConflictWrites, KilnDb } from './conflict-writes.js';
import { toModelVersion, type ModelVersionRecord } from './model-records.js';
import { toRun, type RunRecord } from './run-records.js';
import type { RunStatus } from './statuses.js';

const FINISHED: readonly RunStatus[] = ['succeeded', 'failed', 'rejected', 'cancelled'];
const LEASE_ID = 'exporter';

export interface RunExportState {
  run: RunRecord;
  /** Set once the MLflow run exists: a retry logs into it instead of creating another. */
  mlflowRunId: string | null;
  attempts: number;
}

/** What has been exported to MLflow (migration 0008): the watermark a retried export starts from. */
export class MlflowExportsRepository {
  constructor(
    private readonly db: KilnDb,
    private readonly writes: ConflictWrites,
    private readonly now: () => number = Date.now,
  ) {}

  /** Finished runs not yet exported whose backoff has passed, oldest first. */
  async pendingRuns(limit: number): Promise<RunExportState[]> {
    const rows = await this.db
      .selectFrom('runs')
      .leftJoin('mlflow_run_exports as e', 'e.run_id', 'runs.id')
      .selectAll('runs')
      .select(['e.mlflow_run_id', 'e.attempts'])
      .where('runs.status', 'in', FINISHED)
      .where('e.exported_at', 'is', null)
      .where((eb) => eb.or([eb('e.next_attempt_at', 'is', null), eb('e.next_attempt_at', '<=', this.now())]))
      .orderBy('runs.created_at')
      .orderBy('runs.id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ run: toRun(row), mlflowRunId: row.mlflow_run_id ?? null, attempts: Number(row.attempts ?? 0) }));
  }

  /** Remembers the MLflow run before anything is logged into it. */
  async recordMlflowRun(runId: string, experimentId: string, mlflowRunId: string): Promise<void> {
    const row = {
      run_id: runId,
      mlflow_run_id: mlflowRunId,
      experiment_id: experimentId,
      exported_at: null,
      attempts: 0,
      next_attempt_at: 0,
      last_error: null,
    };
    await this.writes.upsert(this.db, 'mlflow_run_exports', row, { key: ['run_id'], update: ['mlflow_run_id', 'experiment_id'] });
  }

  async markRunExported(runId: string): Promise<void> {
    await this.db.updateTable('mlflow_run_exports').set({ exported_at: this.now(), last_error: null }).where('run_id', '=', runId).execute();
  }

  /** Counts a failed attempt and holds the run back for `backoffMs`. */
  async markRunFailed(runId: string, attempts: number, error: string, backoffMs: number): Promise<void> {
    const row = {
      run_id: runId,
      mlflow_run_id: null,
      experiment_id: null,
      exported_at: null,
      attempts,
      next_attempt_at: this.now() + backoffMs,
      last_error: error.slice(0, 1000),
    };
    await this.writes.upsert(this.db, 'mlflow_run_exports', row, { key: ['run_id'], update: ['attempts', 'next_attempt_at', 'last_error'] });
  }

  /** The MLflow run a Kiln run was exported to, once its export is complete. */
  async exportedRun(runId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('mlflow_run_exports')
      .select('mlflow_run_id')
      .where('run_id', '=', runId)
      .where('exported_at', 'is not', null)
      .executeTakeFirst();
    return row?.mlflow_run_id ?? undefined;
  }

  /** Model versions whose run is exported but which are not registered in MLflow yet, oldest first. */
  async pendingModelVersions(limit: number): Promise<(ModelVersionRecord & { mlflowRunId: string })[]> {
    const rows = await this.db
      .selectFrom('model_versions as v')
      .innerJoin('mlflow_run_exports as e', 'e.run_id', 'v.run_id')
      .leftJoin('mlflow_model_exports as m', (join) => join.onRef('m.model_name', '=', 'v.model_name').onRef('m.version', '=', 'v.version'))
      .selectAll('v')
      .select('e.mlflow_run_id')
      .where('e.exported_at', 'is not', null)
      .where('m.mlflow_version', 'is', null)
      .orderBy('v.created_at')
      .orderBy('v.model_name')
      .orderBy('v.version')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ ...toModelVersion(row), mlflowRunId: row.mlflow_run_id ?? '' }));
  }

  async recordModelVersion(modelName: string, version: number, mlflowVersion: string): Promise<void> {
    const row = { model_name: modelName, version, mlflow_version: mlflowVersion, exported_at: this.now() };
    await this.writes.insertIfAbsent(this.db, 'mlflow_model_exports', row, { key: ['model_name', 'version'] });
  }

  /** MLflow's version number of every exported Kiln version, by `<model>\0<version>`. */
  async modelVersionNumbers(): Promise<Map<string, string>> {
    const rows = await this.db.selectFrom('mlflow_model_exports').selectAll().execute();
    return new Map(rows.map((row) => [versionKey(row.model_name, Number(row.version)), row.mlflow_version]));
  }

  /** Aliases as last set in MLflow. */
  async exportedAliases(): Promise<{ modelName: string; alias: string; version: number }[]> {
    const rows = await this.db.selectFrom('mlflow_alias_exports').selectAll().orderBy('model_name').orderBy('alias').execute();
    return rows.map((row) => ({ modelName: row.model_name, alias: row.alias, version: Number(row.version) }));
  }

  async recordAlias(modelName: string, alias: string, version: number | null): Promise<void> {
    if (version === null) {
      await this.db.deleteFrom('mlflow_alias_exports').where('model_name', '=', modelName).where('alias', '=', alias).execute();
      return;
    }
    const row = { model_name: modelName, alias, version, exported_at: this.now() };
    await this.writes.upsert(this.db, 'mlflow_alias_exports', row, { key: ['model_name', 'alias'], update: ['version', 'exported_at'] });
  }

  /**
   * Takes or renews the exporter lease for `holder`; false while another holder's lease runs.
   * One exporter at a time: two would both create the MLflow run of one Kiln run.
   */
  async acquireLease(holder: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    await this.writes.insertIfAbsent(this.db, 'mlflow_export_lease', { id: LEASE_ID, holder, expires_at: now + ttlMs }, { key: ['id'] });
    await this.db
      .updateTable('mlflow_export_lease')
      .set({ holder, expires_at: now + ttlMs })
      .where('id', '=', LEASE_ID)
      .where((eb) => eb.or([eb('holder', '=', holder), eb('expires_at', '<', now)]))
      .execute();
    // Read back rather than trust affected-row counts, which differ between drivers.
    const row = await this.db.selectFrom('mlflow_export_lease').select('holder').where('id', '=', LEASE_ID).executeTakeFirst();
    return row?.holder === holder;
  }
}

export function versionKey(modelName: string, version: number): string {
  return `${modelName}\u0000${version}`;
}
