import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { KilnDatabase } from '../database.js';
import type { KilnTables } from '../tables.js';
import { sqliteConflictWrites } from './sqlite-conflict-writes.js';
import { KilnSqliteDialect } from './sqlite-dialect.js';
import { StatementCache } from './statement-cache.js';

/** How long a connection waits for another process's write lock before failing. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** Opens (creating file and parent directory if missing) the SQLite metadata database. */
export async function openSqliteDatabase(path: string): Promise<KilnDatabase> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    // Set first, so the pragmas below also wait for a process that is creating the file.
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    // WAL lets the API read while the worker writes.
    await whileBusy(() => sqlite.pragma('journal_mode = WAL'));
    sqlite.pragma('foreign_keys = ON');
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const db = new Kysely<KilnTables>({ dialect: new KilnSqliteDialect({ database: new StatementCache(sqlite) }) });
  return {
    db,
    dialect: 'sqlite',
    description: `SQLite ${sqlite.prepare('select sqlite_version() as v').pluck().get() as string} at ${path}`,
    writes: sqliteConflictWrites,
    close: () => db.destroy(),
  };
}

/**
 * Switching a new file to WAL takes an exclusive lock without consulting busy_timeout, so a
 * process opening the file while another does the same gets SQLITE_BUSY at once: try again.
 */
async function whileBusy<T>(body: () => T): Promise<T> {
  const deadline = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      return body();
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
      await sleep(10 + Math.random() * 40);
    }
  }
}
