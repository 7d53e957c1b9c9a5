import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { MlflowSettings } from '../config.js';
import { EnvironmentUnavailableError } from '../errors.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { MlflowClient } from './mlflow-client.js';
import { MlflowExporter, type ExportPass } from './mlflow-exporter.js';

export interface MlflowExportOptions {
  metadata: Pick<MetadataStore, 'metrics' | 'aliases' | 'mlflowExports'>;
  artifacts: Pick<ArtifactStore, 'uri'>;
  /** The tracking server (`KILN_MLFLOW_URL`) and its bearer token, if it needs one. */
  url: string;
  token?: string | undefined;
  /** Between passes (default 10 s). */
  intervalMs?: number;
  /** Backoff of a run MLflow refused (default 30 s, doubled per attempt). */
  backoffMs?: number;
  /** A pass that failed (MLflow down, say), for the log; the export goes on. */
  onError?(error: unknown): void;
  /** A run, version or alias MLflow refused, for the log; it is tried again later. */
  onRefused?(error: unknown): void;
}

export interface MlflowExport {
  /** One pass now, if this process holds the lease (undefined: another worker exports). */
  exportNow(): Promise<ExportPass | undefined>;
  /** Waits for a pass under way, then stops. */
  stop(): Promise<void>;
}

/**
 * Exports to MLflow from a background loop in the worker, outside every workflow. Why not an
 * activity in the pipeline: a run would then wait on (or fail with) MLflow, every run would pay
 * an activity, and the workflow's history would change. Here a run never notices MLflow; the
 * export is durable (what was sent is recorded in the metadata store, so a restart resumes
 * where it stopped, and a run finished while MLflow was down is exported once it is back) and
 * idempotent. A lease in the metadata store lets one worker of many export at a time.
 */
export function startMlflowExport(options: MlflowExportOptions): MlflowExport {
  const intervalMs = options.intervalMs ?? 10_000;
  const holder = `${hostname()}/${process.pid}/${randomUUID()}`;
  // Outlives a few missed passes, so a slow pass does not hand the lease to another worker mid-run.
  const leaseMs = Math.max(30_000, intervalMs * 6);
  const exporter = new MlflowExporter({
    metadata: options.metadata,
    artifacts: options.artifacts,
    client: new MlflowClient({ url: options.url, token: options.token }),
    ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
    ...(options.onRefused ? { onRefused: options.onRefused } : {}),
  });
  let running: Promise<ExportPass | undefined> | undefined;
  const pass = async () => ((await options.metadata.mlflowExports.acquireLease(holder, leaseMs)) ? exporter.exportPending() : undefined);
  const exportNow = () => {
    running ??= pass().finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => void exportNow().catch((error: unknown) => options.onError?.(error)), intervalMs);
  timer.unref();
  return {
    exportNow,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

/** The bearer token: `KILN_MLFLOW_TOKEN_FILE`'s content (trimmed) when set, else `KILN_MLFLOW_TOKEN`. */
export async function mlflowToken(settings: Pick<MlflowSettings, 'token' | 'tokenFile'>): Promise<string | undefined> {
  if (!settings.tokenFile) return settings.token;
  const text = await readFile(settings.tokenFile, 'utf8').catch((cause: unknown) => {
    throw new EnvironmentUnavailableError('KILN_MLFLOW_TOKEN_FILE', `cannot read the MLflow token file ${settings.tokenFile}`, { cause });
  });
  return text.trim() || undefined;
}
