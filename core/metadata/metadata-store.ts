import { AccessRepository } from './access-repository.js';
import { AliasesRepository } from './aliases-repository.js';
import { FeedbackRepository } from './feedback-repository.js';
import { AuditRepository } from './audit-repository.js';
import { createDatabase, type DatabaseOptions, type DialectName } from './database.js';
import { DatasetsRepository } from './datasets-repository.js';
import { EnvironmentsRepository } from './environments-repository.js';
import { MetricsRepository } from './metrics-repository.js';
import { MlflowExportsRepository } from './mlflow-exports-repository.js';
import { migrateToLatest } from './migrate.js';
import { ModelsRepository } from './models-repository.js';
import { OwnersRepository } from './owners-repository.js';
import { ProjectsRepository } from './projects-repository.js';
import { RolloutsRepository } from './rollouts-repository.js';
import { RunsRepository } from './runs-repository.js';
import { StageAttemptsRepository } from './stage-attempts-repository.js';
import { StageCacheRepository } from './stage-cache-repository.js';
import { TokensRepository } from './tokens-repository.js';
import { WorkspaceMetricsRepository } from './workspace-metrics-repository.js';
import { WorkspacesRepository } from './workspaces-repository.js';

export interface MetadataStoreOptions extends DatabaseOptions {
  /** Source of every stored timestamp (epoch ms). Default `Date.now`; tests pass a fake clock. */
  now?: () => number;
}

/** Kiln's records: specs, environment builds, dataset versions, runs, metrics, models. */
export interface MetadataStore {
  readonly dialect: DialectName;
  readonly environments: EnvironmentsRepository;
  readonly projects: ProjectsRepository;
  readonly datasets: DatasetsRepository;
  readonly runs: RunsRepository;
  readonly metrics: MetricsRepository;
  readonly models: ModelsRepository;
  /** Model aliases (`champion` serves) and their history. */
  readonly aliases: AliasesRepository;
  /** Labels for logged predictions, joined to what the model answered. */
  readonly feedback: FeedbackRepository;
  /** Challengers served beside champions (shadow, canary) and the traffic each version answered. */
  readonly rollouts: RolloutsRepository;
  /** Workspaces (interactive servers) and their servers' tokens. */
  readonly workspaces: WorkspacesRepository;
  /** What notebooks logged with kiln_sdk's `log_metric`, read from each workspace's metrics file. */
  readonly workspaceMetrics: WorkspaceMetricsRepository;
  /** Completed stages by the digest of their inputs (stage caching). */
  readonly stageCache: StageCacheRepository;
  /** Every attempt of every stage and why it ended. */
  readonly attempts: StageAttemptsRepository;
  /** Users, service accounts, custom roles and role bindings. */
  readonly access: AccessRepository;
  /** API tokens (hashed). */
  readonly tokens: TokensRepository;
  /** Who created each resource, for which team. */
  readonly owners: OwnersRepository;
  /** Every mutating API call. */
  readonly audit: AuditRepository;
  /** What the MLflow export has sent (KILN_MLFLOW_URL). */
  readonly mlflowExports: MlflowExportsRepository;
  /**
   * Runs `work` with run and metric writes in one transaction: one commit for all of them
   * (on SQLite each commit waits for the disk), and readers see all or none.
   */
  inTransaction<T>(work: (store: Pick<MetadataStore, 'runs' | 'metrics'>) => Promise<T>): Promise<T>;
  /** Closes the database; the store is unusable afterwards. */
  close(): Promise<void>;
}

/**
 * Opens the metadata database and brings its schema up to date. Several processes (worker,
 * API, CLI) may open the same database at once; open one store per process, because a
 * second SQLite connection in the same process would block the event loop waiting for the first.
 */
export async function openMetadataStore(options: MetadataStoreOptions): Promise<MetadataStore> {
  const database = await createDatabase(options);
  try {
    await migrateToLatest(database.db);
  } catch (error) {
    await database.close();
    throw error;
  }
  const { db, writes } = database;
  const now = options.now ?? Date.now;
  return Object.freeze({
    dialect: database.dialect,
    environments: new EnvironmentsRepository(db, writes, now),
    projects: new ProjectsRepository(db, writes, now),
    datasets: new DatasetsRepository(db, writes, now),
    runs: new RunsRepository(db, writes, now),
    metrics: new MetricsRepository(db, writes, now),
    models: new ModelsRepository(db, writes, now),
    aliases: new AliasesRepository(db, writes, now),
    feedback: new FeedbackRepository(db, writes, now),
    rollouts: new RolloutsRepository(db, writes, now),
    workspaces: new WorkspacesRepository(db, writes, now),
    workspaceMetrics: new WorkspaceMetricsRepository(db, writes, now),
    stageCache: new StageCacheRepository(db, writes, now),
    attempts: new StageAttemptsRepository(db, writes, now),
    access: new AccessRepository(db, writes, now),
    tokens: new TokensRepository(db, now),
    owners: new OwnersRepository(db, writes, now),
    audit: new AuditRepository(db, now),
    mlflowExports: new MlflowExportsRepository(db, writes, now),
    inTransaction: <T>(work: (store: Pick<MetadataStore, 'runs' | 'metrics'>) => Promise<T>) =>
      db.transaction().execute((trx) => work({ runs: new RunsRepository(trx, writes, now), metrics: new MetricsRepository(trx, writes, now) })),
    close: () => database.close(),
  });
}
