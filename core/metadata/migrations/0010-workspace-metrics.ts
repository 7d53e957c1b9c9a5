import type { Kysely } from 'kysely';

/*
 * Notebook metrics (issue 17): the points kiln_sdk's `log_metric` appended to a workspace's
 * metrics file, one row per line, and per workspace how far the file has been read. The row's
 * key is its line's place in the file (generation, byte offset), so a line is stored once
 * however often a read is retried; the generation changes when the file is replaced.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workspace_metrics')
    .addColumn('workspace', 'varchar(64)', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('line_offset', 'bigint', (c) => c.notNull())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addColumn('step', 'bigint')
    .addColumn('epoch', 'integer')
    .addColumn('logged_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('workspace_metrics_pk', ['workspace', 'generation', 'line_offset'])
    .addForeignKeyConstraint('workspace_metrics_workspace_fk', ['workspace'], 'workspaces', ['name'], (fk) => fk.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('workspace_metrics_name_idx').on('workspace_metrics').columns(['workspace', 'name']).execute();

  await db.schema
    .createTable('workspace_metric_reads')
    .addColumn('workspace', 'varchar(64)', (c) => c.notNull().primaryKey())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('read_offset', 'bigint', (c) => c.notNull())
    .addColumn('invalid_lines', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addForeignKeyConstraint('workspace_metric_reads_workspace_fk', ['workspace'], 'workspaces', ['name'], (fk) => fk.onDelete('cascade'))
    .execute();
}
