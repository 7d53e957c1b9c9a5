import type { Kysely } from 'kysely';

/*
 * Progressive delivery (issue 13): the rollout a model is in (which version takes what share of
 * its traffic, so the API routes by it) and the traffic counters the API keeps per version.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('model_rollouts')
    .addColumn('id', 'varchar(200)', (c) => c.notNull().primaryKey())
    .addColumn('model_name', 'varchar(64)', (c) => c.notNull())
    .addColumn('champion_version', 'integer', (c) => c.notNull())
    .addColumn('challenger_version', 'integer', (c) => c.notNull())
    .addColumn('strategy', 'varchar(16)', (c) => c.notNull())
    .addColumn('challenger_percent', 'integer', (c) => c.notNull())
    .addColumn('challenger_url', 'varchar(255)')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('spec_json', 'text', (c) => c.notNull())
    .addColumn('started_by', 'varchar(140)', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .execute();
  await db.schema.createIndex('model_rollouts_model_idx').on('model_rollouts').columns(['model_name', 'status']).execute();
  await db.schema
    .createTable('rollout_traffic')
    .addColumn('rollout_id', 'varchar(200)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('requests', 'bigint', (c) => c.notNull())
    .addColumn('errors', 'bigint', (c) => c.notNull())
    .addColumn('compared', 'bigint', (c) => c.notNull())
    .addColumn('agreed', 'bigint', (c) => c.notNull())
    .addColumn('latency_json', 'text', (c) => c.notNull())
    .addColumn('predictions_json', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('rollout_traffic_pk', ['rollout_id', 'version'])
    .execute();
}
