import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { BackendUnavailableError } from '../errors.js';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-resume-and-stage-cache.js';
import * as m0003 from './migrations/0003-stage-attempts.js';
import * as m0004 from './migrations/0004-continuous-training.js';
import * as m0005 from './migrations/0005-access-control.js';
import * as m0006 from './migrations/0006-prediction-feedback.js';
import * as m0007 from './migrations/0007-model-rollouts.js';
import * as m0008 from './migrations/0008-mlflow-export.js';
import * as m0009 from './migrations/0009-workspaces.js';
import * as m0010 from './migrations/0010-workspace-metrics.js';

/**
 * Every migration, by name, in order. A static list rather than a directory scan so the
 * compiled `dist/` build finds them too. Never rename or remove an entry once released.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-initial': m0001,
  '0002-resume-and-stage-cache': m0002,
  '0003-stage-attempts': m0003,
  '0004-continuous-training': m0004,
  '0005-access-control': m0005,
  '0006-prediction-feedback': m0006,
  '0007-model-rollouts': m0007,
  '0008-mlflow-export': m0008,
  '0009-workspaces': m0009,
  '0010-workspace-metrics': m0010,
});

const provider: MigrationProvider = { getMigrations: async () => ({ ...MIGRATIONS }) };

/**
 * Brings the schema to the latest migration; returns the names it applied (none when
 * already current). Safe when several processes open the same database at once: each
 * dialect's migration lock (MySQL's GET_LOCK, SQLite's immediate transaction) serialises them.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'kiln_migrations',
    migrationLockTableName: 'kiln_migrations_lock',
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    throw new BackendUnavailableError('database', failed ? `migration ${failed} failed` : 'migrations failed', { cause: error });
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
