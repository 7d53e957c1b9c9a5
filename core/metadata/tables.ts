import type { Generated } from 'kysely';
import type { BuildStatus, DeploymentStatus, ModelVersionStatus, RunStatus, StageAttemptStatus, StageStatus } from './statuses.js';
import type { MlflowAliasExportsTable, MlflowExportLeaseTable, MlflowModelExportsTable, MlflowRunExportsTable } from './mlflow-tables.js';
import type { WorkspaceMetricReadsTable, WorkspaceMetricsTable } from './workspace-metrics-tables.js';

/*
 * Row shapes of the metadata tables, as Kysely sees them. Conventions that keep the schema
 * portable to MySQL: timestamps are epoch milliseconds in BIGINT columns, booleans are 0/1
 * integers, JSON is TEXT parsed with zod on read, and a missing metric step is -1 (not NULL)
 * so it can sit in a unique key.
 */

export interface EnvironmentsTable {
  name: string;
  description: string | null;
  spec_json: string;
  spec_digest: string;
  is_default: number;
  created_at: number;
  updated_at: number;
}

export interface EnvironmentBuildsTable {
  spec_digest: string;
  status: BuildStatus;
  /** Where the local executor built the virtualenv. */
  venv_path: string | null;
  python_executable: string | null;
  error: string | null;
  started_at: number;
  finished_at: number | null;
  duration_ms: number | null;
}

export interface ProjectsTable {
  name: string;
  spec_json: string;
  created_at: number;
  updated_at: number;
}

export interface DatasetsTable {
  name: string;
  spec_json: string;
  created_at: number;
  updated_at: number;
}

export interface DatasetVersionsTable {
  id: string;
  dataset_name: string;
  content_sha256: string;
  split_json: string;
  /** sha256 of the canonical split JSON: TEXT cannot sit in a MySQL unique key. */
  split_digest: string;
  train_rows: number;
  test_rows: number;
  artifact_prefix: string;
  created_at: number;
}

export interface RunsTable {
  id: string;
  project: string;
  model_name: string;
  workflow_id: string;
  status: RunStatus;
  params_json: string;
  policy_json: string;
  environment_digest: string | null;
  dataset_version: string | null;
  source_digest: string | null;
  build_wait_ms: number | null;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  /** The run this one resumed (migration 0002). */
  resumed_from: string | null;
  /** Why the run failed, a FailureClass (migration 0003). */
  failure_class: string | null;
  /** Why the run started, a TriggerKind (migration 0004); NULL for older runs. */
  trigger: string | null;
  /** The schedule that started it (migration 0004). */
  schedule: string | null;
}

export interface RunStagesTable {
  run_id: string;
  stage: string;
  status: StageStatus;
  attempt: number;
  started_at: number | null;
  finished_at: number | null;
  duration_ms: number | null;
  process_ms: number | null;
  message: string | null;
  /** The run whose outputs a cached stage reused (migration 0002). */
  reused_from: string | null;
}

/** One attempt of a stage and how it ended (migration 0003). */
export interface StageAttemptsTable {
  run_id: string;
  stage: string;
  attempt: number;
  status: StageAttemptStatus;
  /** A FailureClass when the attempt failed. */
  failure_class: string | null;
  /** 1 when Kiln retries the stage after this attempt, 0 when this attempt ended it; NULL while running. */
  retried: number | null;
  message: string | null;
  log_uri: string | null;
  /** host:pid of the worker that ran it. */
  worker: string | null;
  started_at: number;
  finished_at: number | null;
}

/** A completed stage's outputs, by the digest of everything that determined them. */
export interface StageCacheTable {
  cache_key: string;
  run_id: string;
  stage: string;
  output_prefix: string;
  metrics_json: string;
  created_at: number;
}

export interface MetricsTable {
  run_id: string;
  stage: string;
  name: string;
  /** -1 when the point has no step. */
  step: number;
  epoch: number | null;
  value: number;
  recorded_at: number;
}

export interface ModelVersionsTable {
  model_name: string;
  version: number;
  run_id: string;
  dataset_version: string | null;
  environment_digest: string | null;
  source_digest: string | null;
  params_json: string;
  metrics_json: string;
  artifact_prefix: string;
  status: ModelVersionStatus;
  created_at: number;
}

export interface DeploymentsTable {
  id: string;
  model_name: string;
  version: number;
  url: string;
  port: number;
  pid: number | null;
  status: DeploymentStatus;
  started_at: number;
  stopped_at: number | null;
}

/** Where each alias of a model points now (migration 0004). */
export interface ModelAliasesTable {
  model_name: string;
  alias: string;
  version: number;
  updated_at: number;
}

/** Every move of an alias, append-only (migration 0004). `version` NULL: the alias was removed. */
export interface ModelAliasEventsTable {
  id: string;
  model_name: string;
  alias: string;
  version: number | null;
  previous_version: number | null;
  /** Who or what moved it: a user, `promotion`, `rollback`. */
  actor: string;
  run_id: string | null;
  reason: string;
  created_at: number;
  /** 1, 2, 3… per model and alias, in the order the moves took effect. */
  seq: number;
}

/** The last look at a watched dataset's source (migration 0004). */
export interface DatasetWatchTable {
  dataset_name: string;
  /** Cheap identity of the source (size and mtime, or the S3 ETag): unchanged means no need to hash. */
  fingerprint: string;
  content_sha256: string;
  version_id: string;
  checked_at: number;
}

/** A user or service account (migration 0005). */
export interface PrincipalsTable {
  kind: string;
  name: string;
  team: string | null;
  description: string | null;
  created_by: string;
  created_at: number;
  disabled_at: number | null;
}

/** A custom role; built-in roles live in code (migration 0005). */
export interface RolesTable {
  name: string;
  /** JSON array of permission patterns. */
  permissions_json: string;
  description: string | null;
  created_by: string;
  created_at: number;
}

/** A principal bound to a role, optionally limited to a scope (migration 0005). */
export interface RoleBindingsTable {
  id: string;
  principal_kind: string;
  principal_name: string;
  role: string;
  /** JSON BindingScope; NULL: every resource. */
  scope_json: string | null;
  created_by: string;
  created_at: number;
}

/** An API token: only the SHA-256 of its secret (migration 0005). */
export interface ApiTokensTable {
  id: string;
  secret_sha256: string;
  principal_kind: string;
  principal_name: string;
  name: string;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** Who created a resource, and the team it belongs to (migration 0005). */
export interface ResourceOwnersTable {
  kind: string;
  name: string;
  owner: string;
  team: string | null;
  created_at: number;
}

/** One mutating API call, append-only (migration 0005). */
export interface AuditEventsTable {
  seq: Generated<number>;
  at: number;
  principal: string;
  permission: string | null;
  method: string;
  route: string;
  resource: string | null;
  status: number;
  /** `ok`, `denied` (401/403), `invalid` (other 4xx) or `error` (5xx). */
  outcome: string;
  request_id: string;
  message: string | null;
}

/** A label for a logged prediction, with the prediction it labels (migration 0006). */
export interface PredictionFeedbackTable {
  prediction_id: string;
  model_name: string;
  version: number;
  /** When the prediction was made (ms): windows select on it. */
  predicted_at: number;
  prediction_json: string;
  label_json: string;
  received_at: number;
  /** The principal that sent the label. */
  received_by: string;
}

/** A model's rollout of a challenger beside its champion (migration 0007). */
export interface ModelRolloutsTable {
  id: string;
  model_name: string;
  champion_version: number;
  challenger_version: number;
  /** `shadow` or `canary` (a `replace` needs no rollout record). */
  strategy: string;
  /** Share of requests the challenger answers: 0 for a shadow, which only gets copies. */
  challenger_percent: number;
  /** null until its model server answers. */
  challenger_url: string | null;
  /** `starting`, `running`, `promoted`, `rolled_back`. */
  status: string;
  reason: string | null;
  spec_json: string;
  started_by: string;
  started_at: number;
  ended_at: number | null;
}

/** What the API saw one version answer during a rollout (migration 0007). */
export interface RolloutTrafficTable {
  rollout_id: string;
  version: number;
  requests: number;
  errors: number;
  /** Shadow copies compared with the champion's answer, and how many agreed. */
  compared: number;
  agreed: number;
  /** Counts per latency bucket (core/rollout/latency-histogram.ts). */
  latency_json: string;
  /** Counts per predicted value (at most ROLLOUT_PREDICTION_KEYS of them), for prediction PSI. */
  predictions_json: string;
}

/** A workspace: its spec, its server and the server's token (migration 0009). */
export interface WorkspacesTable {
  name: string;
  /** The principal that created it (`user:alice`): it may open it without `workspaces:open`. */
  owner: string;
  team: string | null;
  project: string | null;
  environment: string;
  spec_json: string;
  /** `starting`, `running`, `stopping`, `stopped`, `failed`, `deleting`. */
  status: string;
  /** Why it last stopped or failed. */
  reason: string | null;
  /** Where its server listens while running. */
  url: string | null;
  /** The server's access token while running (a secret: only `open` returns it). */
  token: string | null;
  /** The local server's process group while running. */
  pid: number | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
}

export interface KilnTables {
  environments: EnvironmentsTable;
  environment_builds: EnvironmentBuildsTable;
  projects: ProjectsTable;
  datasets: DatasetsTable;
  dataset_versions: DatasetVersionsTable;
  runs: RunsTable;
  run_stages: RunStagesTable;
  metrics: MetricsTable;
  model_versions: ModelVersionsTable;
  deployments: DeploymentsTable;
  stage_cache: StageCacheTable;
  stage_attempts: StageAttemptsTable;
  model_aliases: ModelAliasesTable;
  model_alias_events: ModelAliasEventsTable;
  dataset_watch: DatasetWatchTable;
  principals: PrincipalsTable;
  roles: RolesTable;
  role_bindings: RoleBindingsTable;
  api_tokens: ApiTokensTable;
  resource_owners: ResourceOwnersTable;
  audit_events: AuditEventsTable;
  prediction_feedback: PredictionFeedbackTable;
  model_rollouts: ModelRolloutsTable;
  rollout_traffic: RolloutTrafficTable;
  mlflow_run_exports: MlflowRunExportsTable;
  mlflow_model_exports: MlflowModelExportsTable;
  mlflow_alias_exports: MlflowAliasExportsTable;
  mlflow_export_lease: MlflowExportLeaseTable;
  workspaces: WorkspacesTable;
  workspace_metrics: WorkspaceMetricsTable;
  workspace_metric_reads: WorkspaceMetricReadsTable;
}
