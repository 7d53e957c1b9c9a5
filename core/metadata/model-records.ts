import { z } from 'zod';
import { Hyperparameters } from '../specs/hyperparameters.js';
import { numberOrNull, parseJsonColumn } from './columns.js';
import type { KilnDb } from './conflict-writes.js';
import type { DeploymentStatus, ModelVersionStatus } from './statuses.js';
import type { DeploymentsTable, ModelVersionsTable } from './tables.js';

/** Final metric values a version was registered with, by name. */
export const ModelMetrics = z.record(z.string(), z.number());

export interface ModelVersionRecord {
  modelName: string;
  version: number;
  runId: string;
  datasetVersion: string | null;
  environmentDigest: string | null;
  sourceDigest: string | null;
  params: Hyperparameters;
  metrics: Record<string, number>;
  artifactPrefix: string;
  status: ModelVersionStatus;
  createdAt: number;
}

export interface DeploymentRecord {
  id: string;
  modelName: string;
  version: number;
  url: string;
  port: number;
  pid: number | null;
  status: DeploymentStatus;
  startedAt: number;
  stoppedAt: number | null;
}

export function toModelVersion(row: ModelVersionsTable): ModelVersionRecord {
  const where = `model_versions of ${row.model_name} v${row.version}`;
  return {
    modelName: row.model_name,
    version: Number(row.version),
    runId: row.run_id,
    datasetVersion: row.dataset_version,
    environmentDigest: row.environment_digest,
    sourceDigest: row.source_digest,
    params: parseJsonColumn(Hyperparameters, row.params_json, `${where}: params_json`),
    metrics: parseJsonColumn(ModelMetrics, row.metrics_json, `${where}: metrics_json`),
    artifactPrefix: row.artifact_prefix,
    status: row.status,
    createdAt: Number(row.created_at),
  };
}

export function toDeployment(row: DeploymentsTable): DeploymentRecord {
  return {
    id: row.id,
    modelName: row.model_name,
    version: Number(row.version),
    url: row.url,
    port: Number(row.port),
    pid: numberOrNull(row.pid),
    status: row.status,
    startedAt: Number(row.started_at),
    stoppedAt: numberOrNull(row.stopped_at),
  };
}

/**
 * The deployment a model serves from: the one recorded as serving last (two promotions that
 * ran at once may both have recorded theirs; the later one serves). `db` may be a transaction.
 */
export async function servingDeployment(db: KilnDb, modelName: string): Promise<DeploymentRecord | undefined> {
  const row = await db
    .selectFrom('deployments')
    .selectAll()
    .where('model_name', '=', modelName)
    .where('status', '=', 'serving')
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row && toDeployment(row);
}
