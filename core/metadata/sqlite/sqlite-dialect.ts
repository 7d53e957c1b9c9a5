import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDriver,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type SqliteDialectConfig,
} from 'kysely';

/**
 * Kysely's SQLite dialect, adjusted for several processes (worker, API, CLI) sharing one file.
 * Transactions start with `BEGIN IMMEDIATE`: they take the write lock up front and wait
 * `busy_timeout` for it, instead of failing with SQLITE_BUSY when a read turns into a write.
 */
export class KilnSqliteDialect implements Dialect {
  constructor(private readonly config: SqliteDialectConfig) {}

  createDriver(): Driver {
    return new ImmediateSqliteDriver(this.config);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * SQLite DDL is transactional, so the Migrator may run all pending migrations in one
 * (immediate) transaction: a second process opening the same file waits for the first to
 * finish, then finds nothing left to do. Kysely's own SQLite adapter assumes a single process.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
