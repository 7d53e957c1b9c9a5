/** What the model pages read: `GET /v1/models`, `GET /v1/models/{name}`, `GET /v1/models/{name}/monitoring`. */

export interface ModelVersion {
  modelName: string;
  version: number;
  runId: string;
  datasetVersion: string | null;
  environmentDigest: string | null;
  sourceDigest: string | null;
  metrics: Record<string, number>;
  status: 'registered' | 'serving' | 'archived';
  createdAt: number;
  /** Only in `GET /v1/models/{name}`: the aliases pointing at it. */
  aliases?: string[];
}

export interface AliasEvent {
  id: string;
  alias: string;
  version: number | null;
  previousVersion: number | null;
  actor: string;
  runId: string | null;
  reason: string;
  createdAt: number;
}

export interface ModelView {
  name: string;
  versions: ModelVersion[];
  aliases: { alias: string; version: number; updatedAt: number }[];
  alias_history: AliasEvent[];
  serving: { version: number; url: string; since: string } | null;
  projects: string[];
  schedules: { name: string; project: string; cadence: string; paused: boolean; next_fire_times: string[] }[];
}

export interface FeatureDrift {
  feature: string;
  test: 'ks' | 'chi_square';
  status: 'drifted' | 'stable' | 'insufficient_data';
  drifted: boolean;
  psi: number | null;
  p_value: number | null;
}

export type LiveQuality =
  | { task: 'classification'; samples: number; accuracy: number; macro_f1: number }
  | { task: 'regression'; samples: number; rmse: number; mae: number }
  | { task: 'unknown'; samples: 0 };

export interface MonitoringReport {
  window: { from: string; to: string };
  serving_version: number;
  predictions: number;
  drifted: boolean;
  drifted_features: string[];
  features: FeatureDrift[];
  quality: { live: LiveQuality; test_metrics: Record<string, number> };
  on_drift: string;
}

export interface MonitoringView {
  model: string;
  serving_version: number | null;
  /** Newest window first. */
  reports: MonitoringReport[];
}

/** A row of `GET /v1/schedules`. */
export interface ScheduleView {
  name: string;
  project: string;
  cadence: string;
  paused: boolean;
  note?: string;
  next_fire_times: string[];
  recent_runs: { run_id: string; scheduled_at: string; taken_at: string; status: string; model_version?: number; error?: string }[];
  running: string[];
  web_ui_url?: string;
}

/** A row of `GET /v1/environments`. */
export interface EnvironmentView {
  name: string;
  description: string | null;
  spec: { python_version: string; dependencies: string[] };
  specDigest: string;
  isDefault: boolean;
  build: { status: 'building' | 'ready' | 'failed'; error: string | null; startedAt: number; finishedAt: number | null; durationMs: number | null } | null;
}

/** `GET /v1/environments/{name}/build-log`. */
export interface BuildLog {
  attempt: number;
  text: string;
  size: number;
  truncated: boolean;
}

/** A row of `GET /v1/datasets/{name}/versions`. */
export interface DatasetVersion {
  id: string;
  contentSha256: string;
  trainRows: number;
  testRows: number;
  createdAt: number;
}
