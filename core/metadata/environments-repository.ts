import { canonicalJson } from '../specs/canonical-json.js';
import { environmentDigest } from '../specs/environment-digest.js';
import { EnvironmentSpec } from '../specs/environment.js';
import type { ConflictWrites, KilnDb } from './conflict-writes.js';
import { numberOrNull, parseJsonColumn } from './columns.js';
import type { BuildStatus } from './statuses.js';
import type { EnvironmentBuildsTable, EnvironmentsTable } from './tables.js';

export interface EnvironmentRecord {
  name: string;
  description: string | null;
  /** The spec as stored, except `is_default`, which reflects the current default. */
  spec: EnvironmentSpec;
  specDigest: string;
  isDefault: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface EnvironmentBuildRecord {
  specDigest: string;
  status: BuildStatus;
  venvPath: string | null;
  pythonExecutable: string | null;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
  durationMs: number | null;
}

/** Environments by name, and their builds by spec digest (shared by every environment with that spec). */
export class EnvironmentsRepository {
  constructor(
    private readonly db: KilnDb,
    private readonly writes: ConflictWrites,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates or replaces an environment; a default one takes the default flag from all others. */
  async upsert(spec: EnvironmentSpec): Promise<EnvironmentRecord> {
    const now = this.now();
    // One transaction, so no reader ever sees two defaults or none mid-switch.
    await this.db.transaction().execute(async (trx) => {
      if (spec.is_default) {
        await trx.updateTable('environments').set({ is_default: 0, updated_at: now }).where('is_default', '=', 1).where('name', '<>', spec.name).execute();
      }
      const row: EnvironmentsTable = {
        name: spec.name,
        description: spec.description ?? null,
        spec_json: canonicalJson(spec),
        spec_digest: environmentDigest(spec),
        is_default: spec.is_default ? 1 : 0,
        created_at: now,
        updated_at: now,
      };
      await this.writes.upsert(trx, 'environments', row, {
        key: ['name'],
        update: ['description', 'spec_json', 'spec_digest', 'is_default', 'updated_at'],
      });
    });
    return this.require(spec.name);
  }

  async get(name: string): Promise<EnvironmentRecord | undefined> {
    const row = await this.db.selectFrom('environments').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toEnvironment(row);
  }

  /** The environment projects use when they name none, if one is marked default. */
  async getDefault(): Promise<EnvironmentRecord | undefined> {
    const row = await this.db.selectFrom('environments').selectAll().where('is_default', '=', 1).orderBy('updated_at', 'desc').executeTakeFirst();
    return row && toEnvironment(row);
  }

  async list(): Promise<EnvironmentRecord[]> {
    const rows = await this.db.selectFrom('environments').selectAll().orderBy('name').execute();
    return rows.map(toEnvironment);
  }

  async getBuild(specDigest: string): Promise<EnvironmentBuildRecord | undefined> {
    const row = await this.db.selectFrom('environment_builds').selectAll().where('spec_digest', '=', specDigest).executeTakeFirst();
    return row && toBuild(row);
  }

  /** Starts (or restarts) a build: clears any earlier outcome. */
  async markBuilding(specDigest: string): Promise<EnvironmentBuildRecord> {
    const row: EnvironmentBuildsTable = {
      spec_digest: specDigest,
      status: 'building',
      venv_path: null,
      python_executable: null,
      error: null,
      started_at: this.now(),
      finished_at: null,
      duration_ms: null,
    };
    await this.writes.upsert(this.db, 'environment_builds', row, { key: ['spec_digest'], update: BUILD_COLUMNS });
    return this.requireBuild(specDigest);
  }

  /** `durationMs`, when given, is the builder's own measure (e.g. near zero for a venv found on disk). */
  async markReady(specDigest: string, built: { venvPath: string; pythonExecutable: string; durationMs?: number }): Promise<EnvironmentBuildRecord> {
    const outcome = { status: 'ready', venv_path: built.venvPath, python_executable: built.pythonExecutable, error: null } as const;
    return this.finishBuild(specDigest, outcome, built.durationMs);
  }

  async markFailed(specDigest: string, error: string): Promise<EnvironmentBuildRecord> {
    return this.finishBuild(specDigest, { status: 'failed', venv_path: null, python_executable: null, error });
  }

  private async finishBuild(
    specDigest: string,
    outcome: Pick<EnvironmentBuildsTable, 'status' | 'venv_path' | 'python_executable' | 'error'>,
    durationMs?: number,
  ): Promise<EnvironmentBuildRecord> {
    const finishedAt = this.now();
    await this.db.transaction().execute(async (trx) => {
      const current = await trx.selectFrom('environment_builds').select('started_at').where('spec_digest', '=', specDigest).executeTakeFirst();
      // A build finished without markBuilding (e.g. found already built on disk) took no time here.
      const startedAt = current === undefined ? finishedAt : Number(current.started_at);
      const row: EnvironmentBuildsTable = {
        spec_digest: specDigest,
        ...outcome,
        started_at: startedAt,
        finished_at: finishedAt,
        duration_ms: durationMs ?? finishedAt - startedAt,
      };
      await this.writes.upsert(trx, 'environment_builds', row, { key: ['spec_digest'], update: BUILD_COLUMNS });
    });
    return this.requireBuild(specDigest);
  }

  private async require(name: string): Promise<EnvironmentRecord> {
    const found = await this.get(name);
    if (!found) throw new Error(`metadata: environment "${name}" vanished right after being written`);
    return found;
  }

  private async requireBuild(specDigest: string): Promise<EnvironmentBuildRecord> {
    const found = await this.getBuild(specDigest);
    if (!found) throw new Error(`metadata: build "${specDigest}" vanished right after being written`);
    return found;
  }
}

const BUILD_COLUMNS = ['status', 'venv_path', 'python_executable', 'error', 'started_at', 'finished_at', 'duration_ms'] as const;

function toEnvironment(row: EnvironmentsTable): EnvironmentRecord {
  const spec = parseJsonColumn(EnvironmentSpec, row.spec_json, `environments.spec_json of "${row.name}"`);
  const isDefault = Number(row.is_default) === 1;
  return {
    name: row.name,
    description: row.description,
    spec: { ...spec, is_default: isDefault },
    specDigest: row.spec_digest,
    isDefault,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toBuild(row: EnvironmentBuildsTable): EnvironmentBuildRecord {
  return {
    specDigest: row.spec_digest,
    status: row.status,
    venvPath: row.venv_path,
    pythonExecutable: row.python_executable,
    error: row.error,
    startedAt: Number(row.started_at),
    finishedAt: numberOrNull(row.finished_at),
    durationMs: numberOrNull(row.duration_ms),
  };
}
