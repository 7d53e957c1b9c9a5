import type { Kysely } from 'kysely';

/*
 * Labels for logged predictions (`POST /v1/models/{name}/feedback`), each joined at arrival
 * to the prediction it labels, so live quality is one query over a window.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('prediction_feedback')
    .addColumn('prediction_id', 'varchar(64)', (c) => c.notNull().primaryKey())
    .addColumn('model_name', 'varchar(64)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('predicted_at', 'bigint', (c) => c.notNull())
    .addColumn('prediction_json', 'text', (c) => c.notNull())
    .addColumn('label_json', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('received_by', 'varchar(140)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('prediction_feedback_window_idx').on('prediction_feedback').columns(['model_name', 'predicted_at']).execute();
}
