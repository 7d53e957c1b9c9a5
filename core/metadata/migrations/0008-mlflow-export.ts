import type { Kysely } from 'kysely';

/*
 * MLflow export (issue 16): what has been sent to the MLflow tracking server, so a retried or
 * restarted export never creates a second MLflow run, version or metric point, and a lease so
 * that only one worker exports at a time.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mlflow_run_exports')
    .addColumn('run_id', 'varchar(200)', (c) => c.notNull().primaryKey())
    .addColumn('mlflow_run_id', 'varchar(64)')
    .addColumn('experiment_id', 'varchar(64)')
    .addColumn('exported_at', 'bigint')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .execute();
  await db.schema
    .createTable('mlflow_model_exports')
    .addColumn('model_name', 'varchar(64)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('mlflow_version', 'varchar(32)', (c) => c.notNull())
    .addColumn('exported_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('mlflow_model_exports_pk', ['model_name', 'version'])
    .execute();
  await db.schema
    .createTable('mlflow_alias_exports')
    .addColumn('model_name', 'varchar(64)', (c) => c.notNull())
    .addColumn('alias', 'varchar(64)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('exported_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('mlflow_alias_exports_pk', ['model_name', 'alias'])
    .execute();
  await db.schema
    .createTable('mlflow_export_lease')
    .addColumn('id', 'varchar(32)', (c) => c.notNull().primaryKey())
    .addColumn('holder', 'varchar(200)', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}
