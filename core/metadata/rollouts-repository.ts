import type { RolloutOutcome } from '../rollout/rollout-verdict.js';
import { emptyTraffic, isEmptyTraffic, mergeTraffic, type VersionTraffic } from '../rollout/version-traffic.js';
import type { RolloutSpec } from '../specs/rollout.js';
import type { ConflictWrites, KilnDb } from './conflict-writes.js';
import type { ModelRolloutsTable, RolloutTrafficTable } from './tables.js';

export type RolloutStatus = 'starting' | 'running' | RolloutOutcome;
export type { RolloutOutcome };
/** A rollout in these states still holds its model: the API routes by it and no second one may start. */
export const OPEN_ROLLOUT_STATUSES: readonly RolloutStatus[] = ['starting', 'running'];

export interface RolloutRecord {
  id: string;
  modelName: string;
  championVersion: number;
  challengerVersion: number;
  strategy: 'shadow' | 'canary';
  challengerPercent: number;
  challengerUrl: string | null;
  status: RolloutStatus;
  reason: string | null;
  spec: RolloutSpec;
  startedBy: string;
  startedAt: number;
  endedAt: number | null;
}

export interface NewRollout {
  id: string;
  modelName: string;
  championVersion: number;
  challengerVersion: number;
  spec: Extract<RolloutSpec, { strategy: 'shadow' | 'canary' }>;
  startedBy: string;
}

/** Rollouts of challengers beside champions, and the traffic the API counted for each version. */
export class RolloutsRepository {
  constructor(
    private readonly db: KilnDb,
    private readonly writes: ConflictWrites,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a rollout as `starting`; a retried call with the same id changes nothing. */
  async create(rollout: NewRollout): Promise<RolloutRecord> {
    const row: ModelRolloutsTable = {
      id: rollout.id,
      model_name: rollout.modelName,
      champion_version: rollout.championVersion,
      challenger_version: rollout.challengerVersion,
      strategy: rollout.spec.strategy,
      challenger_percent: rollout.spec.strategy === 'canary' ? rollout.spec.percent : 0,
      challenger_url: null,
      status: 'starting',
      reason: null,
      spec_json: JSON.stringify(rollout.spec),
      started_by: rollout.startedBy,
      started_at: this.now(),
      ended_at: null,
    };
    await this.writes.insertIfAbsent(this.db, 'model_rollouts', row, { key: ['id'] });
    return (await this.get(rollout.id)) as RolloutRecord;
  }

  async get(id: string): Promise<RolloutRecord | undefined> {
    const row = await this.db.selectFrom('model_rollouts').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRollout(row);
  }

  /** The model's open rollout (starting or running), if any. */
  async open(modelName: string): Promise<RolloutRecord | undefined> {
    const row = await this.db
      .selectFrom('model_rollouts')
      .selectAll()
      .where('model_name', '=', modelName)
      .where('status', 'in', OPEN_ROLLOUT_STATUSES as RolloutStatus[])
      .orderBy('started_at', 'desc')
      .executeTakeFirst();
    return row && toRollout(row);
  }

  /** The model's latest rollout, open or ended. */
  async latest(modelName: string): Promise<RolloutRecord | undefined> {
    const row = await this.db
      .selectFrom('model_rollouts')
      .selectAll()
      .where('model_name', '=', modelName)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return row && toRollout(row);
  }

  /** Opens traffic to the challenger: from here on the API routes by this rollout. */
  async markRunning(id: string, challengerUrl: string): Promise<void> {
    await this.db.updateTable('model_rollouts').set({ status: 'running', challenger_url: challengerUrl }).where('id', '=', id).execute();
  }

  /** Ends the rollout (the API stops routing to the challenger at once); a second end keeps the first. */
  async end(id: string, status: RolloutOutcome, reason: string): Promise<void> {
    await this.db
      .updateTable('model_rollouts')
      .set({ status, reason, ended_at: this.now() })
      .where('id', '=', id)
      .where('status', 'in', OPEN_ROLLOUT_STATUSES as RolloutStatus[])
      .execute();
  }

  /** Adds counts the API gathered since its last flush. */
  async addTraffic(rolloutId: string, version: number, delta: VersionTraffic): Promise<void> {
    if (isEmptyTraffic(delta)) return;
    await this.db.transaction().execute(async (trx) => {
      const stored = await trx.selectFrom('rollout_traffic').selectAll().where('rollout_id', '=', rolloutId).where('version', '=', version).executeTakeFirst();
      const total = mergeTraffic(stored ? toTraffic(stored) : emptyTraffic(), delta);
      const row: RolloutTrafficTable = {
        rollout_id: rolloutId,
        version,
        requests: total.requests,
        errors: total.errors,
        compared: total.compared,
        agreed: total.agreed,
        latency_json: JSON.stringify(total.latency),
        predictions_json: JSON.stringify(total.predictions),
      };
      await this.writes.upsert(trx, 'rollout_traffic', row, {
        key: ['rollout_id', 'version'],
        update: ['requests', 'errors', 'compared', 'agreed', 'latency_json', 'predictions_json'],
      });
    });
  }

  async traffic(rolloutId: string, version: number): Promise<VersionTraffic> {
    const row = await this.db.selectFrom('rollout_traffic').selectAll().where('rollout_id', '=', rolloutId).where('version', '=', version).executeTakeFirst();
    return row ? toTraffic(row) : emptyTraffic();
  }
}

function toTraffic(row: RolloutTrafficTable): VersionTraffic {
  return {
    requests: Number(row.requests),
    errors: Number(row.errors),
    compared: Number(row.compared),
    agreed: Number(row.agreed),
    latency: JSON.parse(row.latency_json) as number[],
    predictions: JSON.parse(row.predictions_json) as Record<string, number>,
  };
}

function toRollout(row: ModelRolloutsTable): RolloutRecord {
  return {
    id: row.id,
    modelName: row.model_name,
    championVersion: Number(row.champion_version),
    challengerVersion: Number(row.challenger_version),
    strategy: row.strategy as RolloutRecord['strategy'],
    challengerPercent: Number(row.challenger_percent),
    challengerUrl: row.challenger_url,
    status: row.status as RolloutStatus,
    reason: row.reason,
    spec: JSON.parse(row.spec_json) as RolloutSpec,
    startedBy: row.started_by,
    startedAt: Number(row.started_at),
    endedAt: row.ended_at === null ? null : Number(row.ended_at),
  };
}
