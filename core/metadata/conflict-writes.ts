import type { Insertable, Kysely } from 'kysely';
import type { KilnTables } from './tables.js';

export type KilnDb = Kysely<KilnTables>;
export type TableName = keyof KilnTables;
export type ColumnOf<T extends TableName> = keyof KilnTables[T] & string;

/**
 * The inserts that SQL dialects spell differently (SQLite `ON CONFLICT`, MySQL `ON DUPLICATE
 * KEY UPDATE`). Repositories write through this instead of checking which database they
 * are on. Both operations are single-row and safe to retry.
 */
export interface ConflictWrites {
  /**
   * Inserts `row`, or, when a row with the same `key` exists, sets its `update` columns to the
   * values in `row` (columns `row` leaves undefined keep their stored value).
   * `key` must be the table's only unique key: MySQL reacts to any unique key.
   */
  upsert<T extends TableName>(
    db: KilnDb,
    table: T,
    row: Insertable<KilnTables[T]>,
    options: { key: readonly ColumnOf<T>[]; update: readonly ColumnOf<T>[] },
  ): Promise<void>;
  /**
   * Inserts `row` unless it collides with an existing row on any unique key; the collision is
   * not an error and changes nothing. `key` names one unique key (a no-op target for MySQL).
   * Callers read the row back: affected-row counts differ between drivers.
   */
  insertIfAbsent<T extends TableName>(db: KilnDb, table: T, row: Insertable<KilnTables[T]>, options: { key: readonly ColumnOf<T>[] }): Promise<void>;
}

/** The `update` columns of `row` that are defined, as a SET object. */
export function assignments(row: object, update: readonly string[]): Record<string, unknown> {
  const values = row as Record<string, unknown>;
  return Object.fromEntries(update.filter((c) => values[c] !== undefined).map((c) => [c, values[c]]));
}

/** Runs `work` in a transaction of `db`, or in the one `db` already is (Kysely does not nest them). */
export function inOneTransaction<T>(db: KilnDb, work: (trx: KilnDb) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}
