import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError } from '../errors.js';
import { canonicalJson } from '../specs/canonical-json.js';
import type { Hyperparameters } from '../specs/hyperparameters.js';
import type { ConflictWrites, KilnDb } from './conflict-writes.js';
import { servingDeployment, toDeployment, toModelVersion, type DeploymentRecord, type ModelVersionRecord } from './model-records.js';
import type { DeploymentStatus, ModelVersionStatus } from './statuses.js';
import type { DeploymentsTable, ModelVersionsTable } from './tables.js';

export type { DeploymentRecord, ModelVersionRecord } from './model-records.js';

export interface NewModelVersion {
  modelName: string;
  runId: string;
  datasetVersion?: string | null;
  environmentDigest?: string | null;
  sourceDigest?: string | null;
  params: Hyperparameters;
  metrics: Record<string, number>;
  /** Where the model files live; a function when the prefix depends on the assigned version. */
  artifactPrefix: string | ((version: number) => string);
}

export interface NewDeployment {
  id: string;
  modelName: string;
  version: number;
  url: string;
  port: number;
  pid?: number | null;
  /** Default `starting`. */
  status?: DeploymentStatus;
}

/**
 * Registering a version can lose a race for its number (MySQL). Each lost race means another
 * registration won, so with a short random pause these tries cover dozens of simultaneous ones.
 */
const REGISTER_ATTEMPTS = 12;

/** The model registry (versions with lineage) and the deployments serving them. */
export class ModelsRepository {
  constructor(
    private readonly db: KilnDb,
    private readonly writes: ConflictWrites,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Registers the run's model as the model's next version. Idempotent by run: registering the
   * same run again returns the version it already got.
   */
  async register(input: NewModelVersion): Promise<ModelVersionRecord & { existing: boolean }> {
    // The same model files (a train stage reused from the cache) keep the version that already holds them.
    const prefix = typeof input.artifactPrefix === 'string' ? input.artifactPrefix : undefined;
    const holder = prefix === undefined ? undefined : await this.findByArtifact(input.modelName, prefix);
    if (holder && holder.runId !== input.runId) return { ...holder, existing: true };
    const registered = await this.registerVersion(input);
    if (prefix === undefined) return registered;
    // Two runs registering the same files at once (MySQL does not serialise them) both got a
    // number; the later one gives its number back and names the earlier version.
    const first = await this.findByArtifact(input.modelName, prefix);
    if (first && first.runId !== input.runId) {
      await this.db.deleteFrom('model_versions').where('run_id', '=', input.runId).where('model_name', '=', input.modelName).execute();
      return { ...first, existing: true };
    }
    return registered;
  }

  private async registerVersion(input: NewModelVersion): Promise<ModelVersionRecord & { existing: boolean }> {
    for (let attempt = 0; attempt < REGISTER_ATTEMPTS; attempt++) {
      // SQLite's immediate transaction serialises registrations; on MySQL a concurrent one may
      // take the number first, the insert then does nothing and the next attempt reads anew.
      const stored = await this.db.transaction().execute(async (trx) => {
        const existing = await trx.selectFrom('model_versions').selectAll().where('run_id', '=', input.runId).executeTakeFirst();
        if (existing) return existing;
        const { max } = await trx
          .selectFrom('model_versions')
          .select((eb) => eb.fn.max('version').as('max'))
          .where('model_name', '=', input.modelName)
          .executeTakeFirstOrThrow();
        const version = Number(max ?? 0) + 1;
        const row: ModelVersionsTable = {
          model_name: input.modelName,
          version,
          run_id: input.runId,
          dataset_version: input.datasetVersion ?? null,
          environment_digest: input.environmentDigest ?? null,
          source_digest: input.sourceDigest ?? null,
          params_json: canonicalJson(input.params),
          metrics_json: canonicalJson(input.metrics),
          artifact_prefix: typeof input.artifactPrefix === 'function' ? input.artifactPrefix(version) : input.artifactPrefix,
          status: 'registered',
          created_at: this.now(),
        };
        await this.writes.insertIfAbsent(trx, 'model_versions', row, { key: ['model_name', 'version'] });
        return trx.selectFrom('model_versions').selectAll().where('run_id', '=', input.runId).executeTakeFirst();
      });
      if (stored) return { ...toModelVersion(stored), existing: false };
      // Spread the losers out, or they collide again on the next number.
      await sleep(Math.random() * 5 * (attempt + 1));
    }
    throw new ConflictError('model version', `could not assign a version of "${input.modelName}" to run "${input.runId}"`);
  }

  /** The oldest version of a model whose files live at `artifactPrefix`. */
  async findByArtifact(modelName: string, artifactPrefix: string): Promise<ModelVersionRecord | undefined> {
    const row = await this.db
      .selectFrom('model_versions')
      .selectAll()
      .where('model_name', '=', modelName)
      .where('artifact_prefix', '=', artifactPrefix)
      .orderBy('version')
      .executeTakeFirst();
    return row && toModelVersion(row);
  }

  /** Versions of one model (or all), by model name then newest version first. */
  async list(modelName?: string): Promise<ModelVersionRecord[]> {
    let query = this.db.selectFrom('model_versions').selectAll();
    if (modelName !== undefined) query = query.where('model_name', '=', modelName);
    const rows = await query.orderBy('model_name').orderBy('version', 'desc').execute();
    return rows.map(toModelVersion);
  }

  async get(modelName: string, version: number): Promise<ModelVersionRecord | undefined> {
    const row = await this.db.selectFrom('model_versions').selectAll().where('model_name', '=', modelName).where('version', '=', version).executeTakeFirst();
    return row && toModelVersion(row);
  }

  /** The highest version of a model. */
  async latest(modelName: string): Promise<ModelVersionRecord | undefined> {
    const row = await this.db.selectFrom('model_versions').selectAll().where('model_name', '=', modelName).orderBy('version', 'desc').executeTakeFirst();
    return row && toModelVersion(row);
  }

  async setStatus(modelName: string, version: number, status: ModelVersionStatus): Promise<void> {
    await this.db.updateTable('model_versions').set({ status }).where('model_name', '=', modelName).where('version', '=', version).execute();
  }

  /**
   * Marks `version` the model's one serving version, archiving any other still marked serving:
   * two promotions that ran at once each saw nothing serving, and the later one wins.
   */
  async setServingVersion(modelName: string, version: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('model_versions')
        .set({ status: 'archived' })
        .where('model_name', '=', modelName)
        .where('status', '=', 'serving')
        .where('version', '!=', version)
        .execute();
      await tx.updateTable('model_versions').set({ status: 'serving' }).where('model_name', '=', modelName).where('version', '=', version).execute();
    });
  }

  /** Records a deployment, or replaces the one with the same id (a restart or a retried activity). */
  async recordDeployment(deployment: NewDeployment): Promise<DeploymentRecord> {
    const row: DeploymentsTable = {
      id: deployment.id,
      model_name: deployment.modelName,
      version: deployment.version,
      url: deployment.url,
      port: deployment.port,
      pid: deployment.pid ?? null,
      status: deployment.status ?? 'starting',
      started_at: this.now(),
      stopped_at: null,
    };
    const update = ['model_name', 'version', 'url', 'port', 'pid', 'status', 'started_at', 'stopped_at'] as const;
    await this.writes.upsert(this.db, 'deployments', row, { key: ['id'], update });
    const stored = await this.db.selectFrom('deployments').selectAll().where('id', '=', deployment.id).executeTakeFirstOrThrow();
    return toDeployment(stored);
  }

  async getDeployment(id: string): Promise<DeploymentRecord | undefined> {
    const row = await this.db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toDeployment(row);
  }

  /** The model's most recently started deployment that is serving, if any. */
  currentDeployment(modelName: string): Promise<DeploymentRecord | undefined> {
    return servingDeployment(this.db, modelName);
  }

  /** The version that served before the current one (the latest stopped deployment of another version). */
  async previousDeployment(modelName: string): Promise<DeploymentRecord | undefined> {
    const current = await this.currentDeployment(modelName);
    // A stopped rollout candidate (`…-candidate`) never served alone: nothing to go back to.
    let query = this.db
      .selectFrom('deployments')
      .selectAll()
      .where('model_name', '=', modelName)
      .where('status', '=', 'stopped')
      .where('id', 'not like', '%-candidate');
    if (current) query = query.where('version', '!=', current.version);
    const row = await query.orderBy('started_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
    return row && toDeployment(row);
  }

  /** Marks a deployment ended; a no-op for an unknown id. */
  async markDeploymentStopped(id: string, status: 'stopped' | 'failed' = 'stopped'): Promise<void> {
    await this.db.updateTable('deployments').set({ status, stopped_at: this.now() }).where('id', '=', id).execute();
  }

  /** Every rollout candidate still recorded as starting (a challenger's server beside its champion). */
  async listCandidateDeployments(): Promise<DeploymentRecord[]> {
    const rows = await this.db
      .selectFrom('deployments')
      .selectAll()
      .where('status', '=', 'starting')
      .where('id', 'like', '%-candidate')
      .orderBy('id')
      .execute();
    return rows.map(toDeployment);
  }

  /** Every deployment currently serving, by model name. */
  async listServingDeployments(): Promise<DeploymentRecord[]> {
    const rows = await this.db.selectFrom('deployments').selectAll().where('status', '=', 'serving').orderBy('model_name').orderBy('id').execute();
    return rows.map(toDeployment);
  }
}
