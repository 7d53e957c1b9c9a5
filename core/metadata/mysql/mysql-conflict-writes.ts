import { sql, type Kysely } from 'kysely';
import { assignments, type ConflictWrites } from '../conflict-writes.js';

// Table names and columns are checked by ConflictWrites' signature; the builder itself is
// typed loosely because Kysely cannot follow a generic table parameter.
type AnyDb = Kysely<any>;

/** ConflictWrites spelled with MySQL's `INSERT … ON DUPLICATE KEY UPDATE`. */
export const mysqlConflictWrites: ConflictWrites = {
  async upsert(db, table, row, { key, update }) {
    const set = assignments(row, update);
    await (db as unknown as AnyDb)
      .insertInto(table as string)
      .values(row as Record<string, unknown>)
      .onDuplicateKeyUpdate(Object.keys(set).length ? set : keepColumn(key[0]!))
      .execute();
  },

  async insertIfAbsent(db, table, row, { key }) {
    // Not INSERT IGNORE: that would also turn foreign-key and truncation errors into warnings.
    await (db as unknown as AnyDb)
      .insertInto(table as string)
      .values(row as Record<string, unknown>)
      .onDuplicateKeyUpdate(keepColumn(key[0]!))
      .execute();
  },
};

/** `SET column = column`: a duplicate changes nothing and is not an error. */
function keepColumn(column: string) {
  return { [column]: sql.ref(column) };
}
