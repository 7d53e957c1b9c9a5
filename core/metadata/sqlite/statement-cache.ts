import type { Database, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Distinct SQL texts kept prepared; `in (?, ?, …)` lists of many lengths are what could grow it. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * The database Kysely's SQLite driver is given: the same SQL text reuses its prepared statement.
 * Kysely prepares every query afresh, and a fully cached run issues 43: compiling them
 * was the largest single cost on the worker's main thread. SQLite re-prepares a kept statement
 * by itself when the schema changes (a migration by another process). A statement still being
 * iterated (a streamed query) is busy: the same SQL then gets a statement of its own.
 */
export class StatementCache implements SqliteDatabase {
  /** Least recently used first (a Map keeps insertion order). */
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly database: Database,
    private readonly capacity = STATEMENT_CACHE_SIZE,
  ) {}

  prepare(sql: string): Statement {
    const kept = this.statements.get(sql);
    if (kept?.busy) return this.database.prepare(sql);
    if (kept) {
      this.statements.delete(sql);
      this.statements.set(sql, kept);
      return kept;
    }
    const statement = this.database.prepare(sql);
    this.statements.set(sql, statement);
    if (this.statements.size > this.capacity) this.statements.delete(this.statements.keys().next().value!);
    return statement;
  }

  close(): void {
    this.statements.clear();
    this.database.close();
  }
}
