import type { Kysely } from 'kysely';

/*
 * Resumed runs and stage caching. `runs.resumed_from` links a resumed run to the run it
 * resumed; `run_stages.reused_from` names the run whose outputs a cached stage reused; and
 * `stage_cache` maps a stage's input digest to the completed stage that produced its outputs.
 */

const ID = 'varchar(128)';
const DIGEST = 'varchar(64)';
const STAGE = 'varchar(32)';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('runs').addColumn('resumed_from', ID).execute();
  await db.schema.alterTable('run_stages').addColumn('reused_from', ID).execute();
  // No foreign key to runs: a cache entry is history, like a run, and outlives nothing it names.
  await db.schema
    .createTable('stage_cache')
    .addColumn('cache_key', DIGEST, (c) => c.notNull().primaryKey())
    .addColumn('run_id', ID, (c) => c.notNull())
    .addColumn('stage', STAGE, (c) => c.notNull())
    .addColumn('output_prefix', 'text', (c) => c.notNull())
    .addColumn('metrics_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('stage_cache_run_stage_idx').on('stage_cache').columns(['run_id', 'stage']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('stage_cache').ifExists().execute();
  await db.schema.alterTable('run_stages').dropColumn('reused_from').execute();
  await db.schema.alterTable('runs').dropColumn('resumed_from').execute();
}
