import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { KilnDatabase } from '../database.js';
import type { KilnTables } from '../tables.js';
import { sqliteConflictWrites } from './sqlite-conflict-writes.js';
import { KilnSqliteDialect } from './sqlite-dialect.js';

/** How long a connection waits for another process's write lock before failing. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** Opens (creating file and parent directory if missing) the SQLite metadata database. */
export function openSqliteDatabase(path: string): KilnDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    // Set first, so the pragmas below also wait for a process that is creating the file.
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    // WAL lets the API read while the worker writes.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const db = new Kysely<KilnTables>({ dialect: new KilnSqliteDialect({ database: sqlite }) });
  return {
    db,
    dialect: 'sqlite',
    writes: sqliteConflictWrites,
    close: () => db.destroy(),
  };
}
