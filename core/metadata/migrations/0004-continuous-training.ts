import type { Kysely } from 'kysely';

/*
 * Continuous training: why each run started (`runs.trigger`, `runs.schedule`), model aliases
 * (`champion` serves) with their append-only history, and what each watched dataset's source
 * looked like when it was last checked.
 */

const ID = 'varchar(128)';
const NAME = 'varchar(64)';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('runs').addColumn('trigger', 'varchar(16)').execute();
  await db.schema.alterTable('runs').addColumn('schedule', NAME).execute();
  await db.schema
    .createTable('model_aliases')
    .addColumn('model_name', NAME, (c) => c.notNull())
    .addColumn('alias', 'varchar(32)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('model_aliases_pk', ['model_name', 'alias'])
    .execute();
  // Append-only. The id is chosen by the writer (e.g. `<run>/champion`), so a retried write adds nothing.
  await db.schema
    .createTable('model_alias_events')
    .addColumn('id', 'varchar(255)', (c) => c.notNull().primaryKey())
    .addColumn('model_name', NAME, (c) => c.notNull())
    .addColumn('alias', 'varchar(32)', (c) => c.notNull())
    .addColumn('version', 'integer')
    .addColumn('previous_version', 'integer')
    .addColumn('actor', 'varchar(255)', (c) => c.notNull())
    .addColumn('run_id', ID)
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // 1, 2, 3… per model and alias, in the order the moves took effect (timestamps can tie).
    .addColumn('seq', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('model_alias_events_model_idx').on('model_alias_events').columns(['model_name', 'created_at']).execute();
  await db.schema
    .createTable('dataset_watch')
    .addColumn('dataset_name', NAME, (c) => c.notNull().primaryKey())
    .addColumn('fingerprint', 'varchar(255)', (c) => c.notNull())
    .addColumn('content_sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('version_id', ID, (c) => c.notNull())
    .addColumn('checked_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dataset_watch').ifExists().execute();
  await db.schema.dropTable('model_alias_events').ifExists().execute();
  await db.schema.dropTable('model_aliases').ifExists().execute();
  await db.schema.alterTable('runs').dropColumn('schedule').execute();
  await db.schema.alterTable('runs').dropColumn('trigger').execute();
}
