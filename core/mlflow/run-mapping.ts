import type { MetricRecord } from '../metadata/metrics-repository.js';
import type { RunRecord } from '../metadata/run-records.js';
import type { RunStatus } from '../metadata/statuses.js';
import type { Hyperparameters } from '../specs/hyperparameters.js';
import type { MlflowKeyValue, MlflowMetric, MlflowRunStatus } from './mlflow-client.js';

/** MLflow's limits on one `runs/log-batch` call (mlflow/utils/validation.py). */
export const LOG_BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100 } as const;

/** The tag that names the Kiln run an MLflow run was exported from: how a retry finds it. */
export const KILN_RUN_ID_TAG = 'kiln.run_id';

/** Characters MLflow accepts in metric, param and tag keys; anything else becomes `_`. */
const KEY_CHARACTER = /[^\w.\- :/]/g;
const MAX_KEY_LENGTH = 250;

function mlflowKey(text: string): string {
  return text.replace(KEY_CHARACTER, '_').slice(0, MAX_KEY_LENGTH);
}

/** `<stage>/<name>`: one Kiln metric name may be logged by several stages (train and evaluate `loss`). */
export function mlflowMetricKey(stage: string, name: string): string {
  return mlflowKey(`${stage}/${name}`);
}

/** Hyperparameters flattened to MLflow params (`extras.<name>` for a project's extras). */
export function runParams(params: Hyperparameters): MlflowKeyValue[] {
  const { extras, ...standard } = params;
  const entries: [string, unknown][] = [
    ...Object.entries(standard),
    ...Object.entries(extras).map(([name, value]) => [`extras.${name}`, value] as [string, unknown]),
  ];
  return entries.map(([key, value]) => ({ key: mlflowKey(key), value: String(value) }));
}

/** The run's identity and lineage as tags; absent values are left out rather than sent empty. */
export function runTags(run: RunRecord): MlflowKeyValue[] {
  const tags: [string, string | null][] = [
    [KILN_RUN_ID_TAG, run.id],
    ['kiln.project', run.project],
    ['kiln.model_name', run.modelName],
    ['kiln.status', run.status],
    ['kiln.trigger', run.trigger],
    ['kiln.schedule', run.schedule],
    ['kiln.dataset_version', run.datasetVersion],
    ['kiln.source_digest', run.sourceDigest],
    ['kiln.environment_digest', run.environmentDigest],
    ['kiln.resumed_from', run.resumedFrom],
    ['kiln.failure_class', run.failureClass],
  ];
  return tags.filter((tag): tag is [string, string] => tag[1] !== null && tag[1] !== '').map(([key, value]) => ({ key, value }));
}

/**
 * Every stored point as an MLflow metric. A stepless point (a stage's final value) goes in at
 * step 0; the timestamp is when Kiln recorded it, so a point resent is the same point.
 */
export function runMetrics(points: readonly MetricRecord[]): MlflowMetric[] {
  return points.map((point) => ({
    key: mlflowMetricKey(point.stage, point.name),
    value: point.value,
    timestamp: point.recordedAt,
    step: point.step ?? 0,
  }));
}

/** How a finished Kiln run ends in MLflow: a rejected run did finish; its gate said no (tag `kiln.status`). */
export function mlflowStatus(status: RunStatus): MlflowRunStatus {
  if (status === 'succeeded' || status === 'rejected') return 'FINISHED';
  if (status === 'failed') return 'FAILED';
  if (status === 'cancelled') return 'KILLED';
  return 'RUNNING';
}

export interface LogBatch {
  metrics: MlflowMetric[];
  params: MlflowKeyValue[];
  tags: MlflowKeyValue[];
}

/** Splits what a run logs into `runs/log-batch` requests that each stay within LOG_BATCH_LIMITS. */
export function batchLogRequests(all: LogBatch): LogBatch[] {
  const count = Math.max(
    Math.ceil(all.metrics.length / LOG_BATCH_LIMITS.metrics),
    Math.ceil(all.params.length / LOG_BATCH_LIMITS.params),
    Math.ceil(all.tags.length / LOG_BATCH_LIMITS.tags),
  );
  return Array.from({ length: count }, (_, i) => ({
    metrics: all.metrics.slice(i * LOG_BATCH_LIMITS.metrics, (i + 1) * LOG_BATCH_LIMITS.metrics),
    params: all.params.slice(i * LOG_BATCH_LIMITS.params, (i + 1) * LOG_BATCH_LIMITS.params),
    tags: all.tags.slice(i * LOG_BATCH_LIMITS.tags, (i + 1) * LOG_BATCH_LIMITS.tags),
  }));
}

/** The points of `wanted` that `present` (what MLflow already holds) lacks, compared whole. */
export function missingPoints(wanted: readonly MlflowMetric[], present: readonly MlflowMetric[]): MlflowMetric[] {
  const id = (m: MlflowMetric) => `${m.key}\u0000${m.step}\u0000${m.timestamp}\u0000${m.value}`;
  const have = new Set(present.map(id));
  return wanted.filter((m) => !have.has(id(m)));
}
