import type { Kysely } from 'kysely';

/*
 * Workspaces (issue 17): one row per workspace, its spec, where its server listens and the
 * server's token (a secret: kept here, never in workflow inputs or history).
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workspaces')
    .addColumn('name', 'varchar(64)', (c) => c.notNull().primaryKey())
    .addColumn('owner', 'varchar(140)', (c) => c.notNull())
    .addColumn('team', 'varchar(64)')
    .addColumn('project', 'varchar(64)')
    .addColumn('environment', 'varchar(64)', (c) => c.notNull())
    .addColumn('spec_json', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('url', 'varchar(255)')
    .addColumn('token', 'varchar(128)')
    .addColumn('pid', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .execute();
}
