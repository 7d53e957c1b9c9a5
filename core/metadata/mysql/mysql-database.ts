import { Kysely, MysqlDialect, sql } from 'kysely';
import type { KilnDatabase } from '../database.js';
import type { KilnTables } from '../tables.js';
import { mysqlConflictWrites } from './mysql-conflict-writes.js';
import { mysqlUnavailable } from './mysql-errors.js';
import { MysqlTableOptionsPlugin } from './mysql-table-options-plugin.js';
import { mysqlAddress, parseMysqlUrl } from './mysql-url.js';

/** How long opening a connection may take before the server counts as unreachable. */
export const MYSQL_CONNECT_TIMEOUT_MS = 10_000;
/** Connections per process: the worker's activities and the API's requests share them. */
export const MYSQL_POOL_SIZE = 10;

/**
 * Opens a connection pool to the MySQL (or MariaDB) database in `url` and checks it with one
 * query, so a misconfigured server fails here, at start-up, with a one-line reason.
 */
export async function openMysqlDatabase(url: string): Promise<KilnDatabase> {
  const target = parseMysqlUrl(url);
  // Loaded here so that SQLite users never load the MySQL driver.
  const { createPool } = await import('mysql2');
  const pool = createPool({
    ...target,
    connectionLimit: MYSQL_POOL_SIZE,
    connectTimeout: MYSQL_CONNECT_TIMEOUT_MS,
    // Timestamps are stored as epoch milliseconds; UTC keeps any DATETIME the server hands back unambiguous.
    timezone: 'Z',
    // BIGINT columns come back as numbers (strings only beyond 2^53, which epoch ms never reach).
    supportBigNumbers: true,
    bigNumberStrings: false,
  });
  const db = new Kysely<KilnTables>({ dialect: new MysqlDialect({ pool }), plugins: [new MysqlTableOptionsPlugin()] });
  let version: string;
  try {
    const { rows } = await sql<{ version: string }>`select version() as version`.execute(db);
    version = rows[0]?.version ?? 'unknown version';
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw mysqlUnavailable(error, target);
  }
  return {
    db,
    dialect: 'mysql',
    description: `MySQL ${version} at ${mysqlAddress(target)}, database "${target.database}" as "${target.user}"`,
    writes: mysqlConflictWrites,
    close: () => db.destroy(),
  };
}
