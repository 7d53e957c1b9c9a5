import { BackendUnavailableError } from '../errors.js';
import type { ConflictWrites, KilnDb } from './conflict-writes.js';
import { openSqliteDatabase } from './sqlite/sqlite-database.js';

export type DialectName = 'sqlite' | 'mysql';

/** An open metadata database: the query builder plus what differs between dialects. */
export interface KilnDatabase {
  readonly db: KilnDb;
  readonly dialect: DialectName;
  /** Upserts and insert-if-absent, spelled for this dialect. */
  readonly writes: ConflictWrites;
  /** Closes the connection (or pool); the database is unusable afterwards. */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `mysql://…` for a shared server (not yet supported); unset or empty means SQLite. */
  url?: string;
  /** The SQLite file, created with its directory when missing. Used when `url` is unset. */
  sqlitePath: string;
}

/** The one place that picks a dialect; everything else talks to KilnDatabase. */
export async function createDatabase(options: DatabaseOptions): Promise<KilnDatabase> {
  const url = options.url?.trim();
  if (!url) return openSqliteDatabase(options.sqlitePath);
  // Only the scheme goes into messages: the rest of a URL may hold a password.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'mysql') {
    throw new BackendUnavailableError('database', 'MySQL support lands with the scale-out backends; unset the database URL to use SQLite');
  }
  const what = scheme ? `unsupported database URL scheme "${scheme}:"` : 'the database URL has no scheme';
  throw new BackendUnavailableError('database', `${what}; use mysql://… or leave it unset for SQLite`);
}
