import type { Kysely } from 'kysely';

/*
 * The first schema. Portable to MySQL: every indexed string is a bounded VARCHAR, timestamps
 * are epoch milliseconds (BIGINT), JSON is TEXT and never indexed, and foreign keys are
 * table constraints (MySQL 8 ignores column-level REFERENCES); primary keys say NOT NULL
 * (SQLite would otherwise let a single-column one be NULL). Migrations take
 * Kysely<any>: they describe the schema as it was, not as tables.ts says it is now.
 */

/** Resource names are at most 63 characters (core/specs/names.ts). */
const NAME = 'varchar(63)';
/** Run, dataset version and deployment ids. */
const ID = 'varchar(128)';
/** Hex sha256. */
const DIGEST = 'varchar(64)';
const STATUS = 'varchar(16)';
const STAGE = 'varchar(32)';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('environments')
    .addColumn('name', NAME, (c) => c.notNull().primaryKey())
    .addColumn('description', 'text')
    .addColumn('spec_json', 'text', (c) => c.notNull())
    .addColumn('spec_digest', DIGEST, (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('environment_builds')
    .addColumn('spec_digest', DIGEST, (c) => c.notNull().primaryKey())
    .addColumn('status', STATUS, (c) => c.notNull())
    .addColumn('venv_path', 'text')
    .addColumn('python_executable', 'text')
    .addColumn('error', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('duration_ms', 'bigint')
    .execute();

  for (const table of ['projects', 'datasets']) {
    await db.schema
      .createTable(table)
      .addColumn('name', NAME, (c) => c.notNull().primaryKey())
      .addColumn('spec_json', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  }

  await db.schema
    .createTable('dataset_versions')
    .addColumn('id', ID, (c) => c.notNull().primaryKey())
    .addColumn('dataset_name', NAME, (c) => c.notNull())
    .addColumn('content_sha256', DIGEST, (c) => c.notNull())
    .addColumn('split_json', 'text', (c) => c.notNull())
    .addColumn('split_digest', DIGEST, (c) => c.notNull())
    .addColumn('train_rows', 'integer', (c) => c.notNull())
    .addColumn('test_rows', 'integer', (c) => c.notNull())
    .addColumn('artifact_prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('dataset_versions_content_unique', ['dataset_name', 'content_sha256', 'split_digest'])
    .addForeignKeyConstraint('dataset_versions_dataset_fk', ['dataset_name'], 'datasets', ['name'])
    .execute();

  // Runs name their project, environment and dataset version without foreign keys: they are
  // history and must outlive the specs they ran.
  await db.schema
    .createTable('runs')
    .addColumn('id', ID, (c) => c.notNull().primaryKey())
    .addColumn('project', NAME, (c) => c.notNull())
    .addColumn('model_name', NAME, (c) => c.notNull())
    .addColumn('workflow_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('status', STATUS, (c) => c.notNull())
    .addColumn('params_json', 'text', (c) => c.notNull())
    .addColumn('policy_json', 'text', (c) => c.notNull())
    .addColumn('environment_digest', DIGEST)
    .addColumn('dataset_version', ID)
    .addColumn('source_digest', DIGEST)
    .addColumn('build_wait_ms', 'bigint')
    .addColumn('error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema.createIndex('runs_created_idx').on('runs').columns(['created_at']).execute();
  await db.schema.createIndex('runs_project_created_idx').on('runs').columns(['project', 'created_at']).execute();
  await db.schema.createIndex('runs_status_created_idx').on('runs').columns(['status', 'created_at']).execute();

  await db.schema
    .createTable('run_stages')
    .addColumn('run_id', ID, (c) => c.notNull())
    .addColumn('stage', STAGE, (c) => c.notNull())
    .addColumn('status', STATUS, (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('duration_ms', 'bigint')
    .addColumn('process_ms', 'bigint')
    .addColumn('message', 'text')
    .addPrimaryKeyConstraint('run_stages_pk', ['run_id', 'stage'])
    .addForeignKeyConstraint('run_stages_run_fk', ['run_id'], 'runs', ['id'], (fk) => fk.onDelete('cascade'))
    .execute();

  // Step is NOT NULL (-1 = none) because MySQL and SQLite let NULLs repeat in a unique key.
  await db.schema
    .createTable('metrics')
    .addColumn('run_id', ID, (c) => c.notNull())
    .addColumn('stage', STAGE, (c) => c.notNull())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('step', 'bigint', (c) => c.notNull().defaultTo(-1))
    .addColumn('epoch', 'integer')
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addColumn('recorded_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('metrics_pk', ['run_id', 'stage', 'name', 'step'])
    .addForeignKeyConstraint('metrics_run_fk', ['run_id'], 'runs', ['id'], (fk) => fk.onDelete('cascade'))
    .execute();

  await db.schema
    .createTable('model_versions')
    .addColumn('model_name', NAME, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('run_id', ID, (c) => c.notNull())
    .addColumn('dataset_version', ID)
    .addColumn('environment_digest', DIGEST)
    .addColumn('source_digest', DIGEST)
    .addColumn('params_json', 'text', (c) => c.notNull())
    .addColumn('metrics_json', 'text', (c) => c.notNull())
    .addColumn('artifact_prefix', 'text', (c) => c.notNull())
    .addColumn('status', STATUS, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('model_versions_pk', ['model_name', 'version'])
    .addUniqueConstraint('model_versions_run_unique', ['run_id'])
    .addForeignKeyConstraint('model_versions_run_fk', ['run_id'], 'runs', ['id'])
    .execute();

  await db.schema
    .createTable('deployments')
    .addColumn('id', ID, (c) => c.notNull().primaryKey())
    .addColumn('model_name', NAME, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('pid', 'integer')
    .addColumn('status', STATUS, (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('stopped_at', 'bigint')
    .addForeignKeyConstraint('deployments_model_version_fk', ['model_name', 'version'], 'model_versions', ['model_name', 'version'])
    .execute();
  await db.schema.createIndex('deployments_model_status_idx').on('deployments').columns(['model_name', 'status']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  const tables = [
    'deployments',
    'model_versions',
    'metrics',
    'run_stages',
    'runs',
    'dataset_versions',
    'datasets',
    'projects',
    'environment_builds',
    'environments',
  ];
  for (const table of tables) await db.schema.dropTable(table).ifExists().execute();
}
