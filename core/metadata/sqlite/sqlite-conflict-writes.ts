import type { Kysely } from 'kysely';
import { assignments, type ConflictWrites } from '../conflict-writes.js';

// Table names and columns are checked by ConflictWrites' signature; the builder itself is
// typed loosely because Kysely cannot follow a generic table parameter.
type AnyDb = Kysely<any>;

/** ConflictWrites spelled with SQLite's `INSERT … ON CONFLICT`. */
export const sqliteConflictWrites: ConflictWrites = {
  async upsert(db, table, row, { key, update }) {
    const set = assignments(row, update);
    await (db as unknown as AnyDb)
      .insertInto(table as string)
      .values(row as Record<string, unknown>)
      .onConflict((oc) => {
        const target = oc.columns(key);
        return Object.keys(set).length ? target.doUpdateSet(set) : target.doNothing();
      })
      .execute();
  },

  async insertIfAbsent(db, table, row) {
    // No conflict target: like MySQL, any unique key counts as a collision.
    await (db as unknown as AnyDb)
      .insertInto(table as string)
      .values(row as Record<string, unknown>)
      .onConflict((oc) => oc.doNothing())
      .execute();
  },
};
