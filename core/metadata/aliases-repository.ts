import { setTimeout as sleep } from 'node:timers/promises';
import type { ConflictWrites, KilnDb } from './conflict-writes.js';
import { servingDeployment } from './model-records.js';
import type { ModelAliasEventsTable } from './tables.js';

export interface AliasRecord {
  modelName: string;
  alias: string;
  version: number;
  updatedAt: number;
}

export interface AliasEvent {
  id: string;
  modelName: string;
  alias: string;
  /** null: the alias was removed. */
  version: number | null;
  previousVersion: number | null;
  actor: string;
  runId: string | null;
  reason: string;
  createdAt: number;
}

export interface AliasMove {
  /** Chosen by the writer and unique per move (e.g. `<run>/champion`): a retried move adds nothing. */
  eventId: string;
  modelName: string;
  alias: string;
  /** null removes the alias. */
  version: number | null;
  actor: string;
  runId?: string | null;
  reason: string;
}

/** A move that waits on what serves: made, or refused because another version serves (or none). */
export type ServingAliasMove = { moved: true; event: AliasEvent } | { moved: false; servingVersion: number | null };

/** Model aliases (`champion` serves) and the append-only history of every move. */
export class AliasesRepository {
  constructor(
    private readonly db: KilnDb,
    private readonly writes: ConflictWrites,
    private readonly now: () => number = Date.now,
  ) {}

  async get(modelName: string, alias: string): Promise<AliasRecord | undefined> {
    const row = await this.db.selectFrom('model_aliases').selectAll().where('model_name', '=', modelName).where('alias', '=', alias).executeTakeFirst();
    return row && { modelName: row.model_name, alias: row.alias, version: Number(row.version), updatedAt: Number(row.updated_at) };
  }

  /** The aliases of one model (or all), by model then alias. */
  async list(modelName?: string): Promise<AliasRecord[]> {
    let query = this.db.selectFrom('model_aliases').selectAll();
    if (modelName !== undefined) query = query.where('model_name', '=', modelName);
    const rows = await query.orderBy('model_name').orderBy('alias').execute();
    return rows.map((row) => ({ modelName: row.model_name, alias: row.alias, version: Number(row.version), updatedAt: Number(row.updated_at) }));
  }

  /** A model's alias moves, oldest first. */
  async history(modelName: string, limit = 200): Promise<AliasEvent[]> {
    const rows = await this.db
      .selectFrom('model_alias_events')
      .selectAll()
      .where('model_name', '=', modelName)
      .orderBy('created_at', 'desc')
      .orderBy('seq', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse().map(toEvent);
  }

  /**
   * Points `alias` at `version` (or removes it) and appends the move to the history, in one
   * transaction. Idempotent by `eventId`: a repeated move returns the event it already wrote.
   */
  async move(move: AliasMove): Promise<AliasEvent> {
    return this.retryingDeadlocks(() => this.db.transaction().execute((trx) => this.moveOnce(trx, move)));
  }

  /**
   * Moves `alias` to `version` only if `version` is what the model serves, checked under the
   * alias's lock: of two promotions of one model that served at once, only the one whose server
   * was recorded last becomes champion, so `champion` and the serving version never part.
   * Idempotent by `eventId` like `move`.
   */
  async moveWhileServing(move: AliasMove & { version: number }): Promise<ServingAliasMove> {
    return this.retryingDeadlocks(() =>
      this.db.transaction().execute(async (trx): Promise<ServingAliasMove> => {
        // The lock comes first: MySQL then takes its read snapshot after every earlier move
        // committed, and reads the deployment those moves saw serving.
        await this.lockAlias(trx, move, []);
        const done = await trx.selectFrom('model_alias_events').selectAll().where('id', '=', move.eventId).executeTakeFirst();
        const serving = done ? undefined : await servingDeployment(trx, move.modelName);
        if (done || serving?.version !== move.version) {
          // Nothing moves: drop the placeholder row the lock may have created.
          await trx
            .deleteFrom('model_aliases')
            .where('model_name', '=', move.modelName)
            .where('alias', '=', move.alias)
            .where('version', '=', PLACEHOLDER)
            .execute();
          return done ? { moved: true, event: toEvent(done) } : { moved: false, servingVersion: serving?.version ?? null };
        }
        return { moved: true, event: await this.writeMove(trx, move) };
      }),
    );
  }

  private async retryingDeadlocks<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        // Concurrent first moves of one alias can deadlock on MySQL; the loser simply tries again.
        if (attempt >= MOVE_ATTEMPTS || !isDeadlock(error)) throw error;
        await sleep(Math.random() * 10 * attempt);
      }
    }
  }

  /** Inserts the alias row as a placeholder when it is new, locking it either way (`update`: columns the lock also sets). */
  private lockAlias(trx: KilnDb, move: AliasMove, update: readonly ('updated_at' | 'version')[]): Promise<void> {
    return this.writes.upsert(
      trx,
      'model_aliases',
      { model_name: move.modelName, alias: move.alias, version: PLACEHOLDER, updated_at: 0 },
      { key: ['model_name', 'alias'], update },
    );
  }

  private async moveOnce(trx: KilnDb, move: AliasMove): Promise<AliasEvent> {
    const done = await trx.selectFrom('model_alias_events').selectAll().where('id', '=', move.eventId).executeTakeFirst();
    if (done) return toEvent(done);
    // Lock the alias row before reading it (a placeholder when it is new), so concurrent moves
    // of one alias queue up and each records the version the one before it set.
    await this.lockAlias(trx, move, ['updated_at']);
    return this.writeMove(trx, move);
  }

  /** Under the alias's lock, with no event of this id yet: sets the alias and appends the move. */
  private async writeMove(trx: KilnDb, move: AliasMove): Promise<AliasEvent> {
    const current = await trx
      .selectFrom('model_aliases')
      .select('version')
      .where('model_name', '=', move.modelName)
      .where('alias', '=', move.alias)
      .executeTakeFirst();
    const previous = current && Number(current.version) !== PLACEHOLDER ? Number(current.version) : null;
    // Read under the lock: the last move of this alias, and the time this one takes effect.
    const { last } = await trx
      .selectFrom('model_alias_events')
      .select((eb) => eb.fn.max('seq').as('last'))
      .where('model_name', '=', move.modelName)
      .where('alias', '=', move.alias)
      .executeTakeFirstOrThrow();
    const at = this.now();
    if (move.version === null) await trx.deleteFrom('model_aliases').where('model_name', '=', move.modelName).where('alias', '=', move.alias).execute();
    else
      await trx
        .updateTable('model_aliases')
        .set({ version: move.version, updated_at: at })
        .where('model_name', '=', move.modelName)
        .where('alias', '=', move.alias)
        .execute();
    const event: ModelAliasEventsTable = {
      id: move.eventId,
      model_name: move.modelName,
      alias: move.alias,
      version: move.version,
      previous_version: previous,
      actor: move.actor,
      run_id: move.runId ?? null,
      reason: move.reason,
      created_at: at,
      seq: Number(last ?? 0) + 1,
    };
    await this.writes.insertIfAbsent(trx, 'model_alias_events', event, { key: ['id'] });
    return toEvent(event);
  }
}

/** The version of an alias row that a move is creating; never committed. */
const PLACEHOLDER = -1;
const MOVE_ATTEMPTS = 8;

function isDeadlock(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}

function toEvent(row: ModelAliasEventsTable): AliasEvent {
  return {
    id: row.id,
    modelName: row.model_name,
    alias: row.alias,
    version: row.version === null ? null : Number(row.version),
    previousVersion: row.previous_version === null ? null : Number(row.previous_version),
    actor: row.actor,
    runId: row.run_id,
    reason: row.reason,
    createdAt: Number(row.created_at),
  };
}
