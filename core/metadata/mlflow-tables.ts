/** The tables of the MLflow export (migration 0008; core/mlflow/), apart from tables.ts to keep it short. */

/** A Kiln run's export to MLflow (migration 0008): its MLflow run, once created, and whether it is complete. */
export interface MlflowRunExportsTable {
  run_id: string;
  mlflow_run_id: string | null;
  experiment_id: string | null;
  /** null until params, tags, every metric point and the end state are in MLflow. */
  exported_at: number | null;
  attempts: number;
  /** A failing export waits until then (backoff), so it never blocks the others. */
  next_attempt_at: number;
  last_error: string | null;
}

/** A model version registered in MLflow, and the number MLflow gave it (migration 0008). */
export interface MlflowModelExportsTable {
  model_name: string;
  version: number;
  mlflow_version: string;
  exported_at: number;
}

/** The Kiln version an alias points at in MLflow, as last set (migration 0008). */
export interface MlflowAliasExportsTable {
  model_name: string;
  alias: string;
  version: number;
  exported_at: number;
}

/** Which worker exports to MLflow, until when (migration 0008). */
export interface MlflowExportLeaseTable {
  id: string;
  holder: string;
  expires_at: number;
}
