import type { Kysely } from 'kysely';

/*
 * One row per stage attempt, so the run record keeps why every attempt ended (run_stages only
 * holds the latest), and runs.failure_class: the class of the failure that ended the run.
 */

const ID = 'varchar(128)';
const STAGE = 'varchar(32)';
const CLASS = 'varchar(32)';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('runs').addColumn('failure_class', CLASS).execute();
  await db.schema
    .createTable('stage_attempts')
    .addColumn('run_id', ID, (c) => c.notNull())
    .addColumn('stage', STAGE, (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('failure_class', CLASS)
    .addColumn('retried', 'integer')
    .addColumn('message', 'text')
    .addColumn('log_uri', 'text')
    .addColumn('worker', 'varchar(255)')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addPrimaryKeyConstraint('stage_attempts_pk', ['run_id', 'stage', 'attempt'])
    .addForeignKeyConstraint('stage_attempts_run_fk', ['run_id'], 'runs', ['id'], (fk) => fk.onDelete('cascade'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('stage_attempts').ifExists().execute();
  await db.schema.alterTable('runs').dropColumn('failure_class').execute();
}
