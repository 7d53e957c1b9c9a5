import { BackendUnavailableError } from '../errors.js';
import type { ConflictWrites, KilnDb } from './conflict-writes.js';
import { openMysqlDatabase } from './mysql/mysql-database.js';
import { openSqliteDatabase } from './sqlite/sqlite-database.js';

export type DialectName = 'sqlite' | 'mysql';

/** An open metadata database: the query builder plus what differs between dialects. */
export interface KilnDatabase {
  readonly db: KilnDb;
  readonly dialect: DialectName;
  /** What is open, for `kiln doctor` and start-up logs, e.g. `MySQL 10.11.6-MariaDB at db:3306, database "kiln" as "kiln"`. No secrets. */
  readonly description: string;
  /** Upserts and insert-if-absent, spelled for this dialect. */
  readonly writes: ConflictWrites;
  /** Closes the connection (or pool); the database is unusable afterwards. */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `mysql://user:password@host:port/database` for a shared MySQL or MariaDB server; unset or empty means SQLite. */
  url?: string;
  /** The SQLite file, created with its directory when missing. Used when `url` is unset. */
  sqlitePath: string;
}

/**
 * The one place that picks a dialect; everything else talks to KilnDatabase. The connection
 * is checked before this returns: a wrong password or an unreachable server throws
 * BackendUnavailableError with a one-line reason.
 */
export async function createDatabase(options: DatabaseOptions): Promise<KilnDatabase> {
  const url = options.url?.trim();
  if (!url) return openSqliteDatabase(options.sqlitePath);
  // Only the scheme goes into messages: the rest of a URL may hold a password.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'mysql') return openMysqlDatabase(url);
  const what = scheme ? `unsupported database URL scheme "${scheme}:"` : 'the database URL has no scheme';
  throw new BackendUnavailableError('database', `${what}; use mysql://… or leave it unset for SQLite`);
}
