import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { versionKey, type RunExportState } from '../metadata/mlflow-exports-repository.js';
import type { ModelVersionRecord } from '../metadata/model-records.js';
import type { MlflowClient, MlflowMetric } from './mlflow-client.js';
import { MlflowRequestError } from './mlflow-errors.js';
import { batchLogRequests, KILN_RUN_ID_TAG, missingPoints, mlflowStatus, runMetrics, runParams, runTags } from './run-mapping.js';

export interface MlflowExporterDeps {
  metadata: Pick<MetadataStore, 'metrics' | 'aliases' | 'mlflowExports'>;
  artifacts: Pick<ArtifactStore, 'uri'>;
  client: MlflowClient;
  /** Something MLflow refused (a 4xx), for the log; it is tried again later. */
  onRefused?(error: MlflowRequestError): void;
  /** How long a run MLflow refused waits before the next try, doubled per attempt (default 30 s, at most 1 h). */
  backoffMs?: number;
}

export interface ExportPass {
  runs: number;
  versions: number;
  aliases: number;
  /** Runs MLflow refused this pass (each waits out its backoff). */
  failed: number;
}

/** Runs and versions one pass takes at most, so a long backlog is worked off in steps. */
const BATCH = 50;
const MAX_BACKOFF_MS = 3_600_000;

/**
 * Exports what Kiln recorded to an MLflow tracking server: finished runs (params, lineage tags,
 * every metric point, status), then the model versions of exported runs, then aliases. Every
 * step is recorded in the metadata store before the next, so a pass cut short anywhere is
 * finished by the next one without a second MLflow run, version or metric point.
 */
export class MlflowExporter {
  private readonly experiments = new Map<string, string>();
  constructor(private readonly deps: MlflowExporterDeps) {}

  /** One pass. An unreachable MLflow ends it with the error; nothing is counted against a run. */
  async exportPending(): Promise<ExportPass> {
    const pass: ExportPass = { runs: 0, versions: 0, aliases: 0, failed: 0 };
    for (const state of await this.deps.metadata.mlflowExports.pendingRuns(BATCH)) {
      try {
        await this.exportRun(state);
        pass.runs++;
      } catch (error) {
        if (!isRefusal(error)) throw error;
        this.deps.onRefused?.(error);
        pass.failed++;
        const backoff = Math.min((this.deps.backoffMs ?? 30_000) * 2 ** state.attempts, MAX_BACKOFF_MS);
        await this.deps.metadata.mlflowExports.markRunFailed(state.run.id, state.attempts + 1, (error as Error).message, backoff);
      }
    }
    for (const version of await this.deps.metadata.mlflowExports.pendingModelVersions(BATCH)) {
      if (await this.refused(() => this.exportModelVersion(version))) pass.failed++;
      else pass.versions++;
    }
    const aliases = await this.syncAliases();
    return { ...pass, aliases: aliases.changed, failed: pass.failed + aliases.failed };
  }

  private async exportRun({ run, mlflowRunId }: RunExportState): Promise<void> {
    const { client } = this.deps;
    const experimentId = await this.experiment(run.project);
    let runId = mlflowRunId ?? (await client.searchRunsByTag(experimentId, KILN_RUN_ID_TAG, run.id))[0];
    const fresh = runId === undefined;
    if (runId === undefined) {
      // Created with its kiln.run_id tag, so a crash before the next line is found by the search above.
      runId = await client.createRun({ experimentId, runName: run.id, startTime: run.startedAt ?? run.createdAt, tags: runTags(run) });
    }
    if (mlflowRunId === null) await this.deps.metadata.mlflowExports.recordMlflowRun(run.id, experimentId, runId);
    const metrics = runMetrics(await this.deps.metadata.metrics.forRun(run.id));
    // An MLflow run from an earlier, interrupted attempt may hold some points: send only the rest.
    const toSend = fresh ? metrics : missingPoints(metrics, await this.history(runId, metrics));
    for (const batch of batchLogRequests({ metrics: toSend, params: runParams(run.params), tags: runTags(run) })) {
      await client.logBatch(runId, batch);
    }
    await client.updateRun(runId, mlflowStatus(run.status), run.finishedAt ?? undefined);
    await this.deps.metadata.mlflowExports.markRunExported(run.id);
  }

  private async history(runId: string, metrics: readonly MlflowMetric[]): Promise<MlflowMetric[]> {
    const keys = [...new Set(metrics.map((m) => m.key))];
    return (await Promise.all(keys.map((key) => this.deps.client.metricHistory(runId, key)))).flat();
  }

  private async experiment(project: string): Promise<string> {
    let id = this.experiments.get(project);
    if (id === undefined) {
      id = await this.deps.client.ensureExperiment(project);
      this.experiments.set(project, id);
    }
    return id;
  }

  private async exportModelVersion(version: ModelVersionRecord & { mlflowRunId: string }): Promise<void> {
    const { client } = this.deps;
    await client.ensureRegisteredModel(version.modelName);
    // A version created by an interrupted pass is found by its run rather than made twice.
    const existing = (await client.modelVersionsOfRun(version.modelName, version.mlflowRunId))[0];
    const uri = this.deps.artifacts.uri(version.artifactPrefix);
    const mlflowVersion =
      existing ??
      (await client.createModelVersion({
        name: version.modelName,
        source: modelSource(uri, version.artifactPrefix),
        runId: version.mlflowRunId,
        description: `Kiln ${version.modelName} v${version.version}`,
        tags: [
          { key: 'kiln.version', value: String(version.version) },
          { key: KILN_RUN_ID_TAG, value: version.runId },
          { key: 'kiln.artifact_uri', value: uri },
          ...[
            ['kiln.dataset_version', version.datasetVersion],
            ['kiln.environment_digest', version.environmentDigest],
            ['kiln.source_digest', version.sourceDigest],
          ]
            .filter((tag): tag is [string, string] => tag[1] !== null)
            .map(([key, value]) => ({ key, value })),
        ],
      }));
    await this.deps.metadata.mlflowExports.recordModelVersion(version.modelName, version.version, mlflowVersion);
  }

  /** Runs `work`; true when MLflow refused it (tried again next pass), other errors thrown. */
  private async refused(work: () => Promise<void>): Promise<boolean> {
    try {
      await work();
      return false;
    } catch (error) {
      if (!isRefusal(error)) throw error;
      this.deps.onRefused?.(error);
      return true;
    }
  }

  /** Sets, moves and removes MLflow aliases until they match Kiln's; returns how many changed. */
  private async syncAliases(): Promise<{ changed: number; failed: number }> {
    const { client, metadata } = this.deps;
    const numbers = await metadata.mlflowExports.modelVersionNumbers();
    const exported = new Map((await metadata.mlflowExports.exportedAliases()).map((a) => [versionKey(a.modelName, 0) + a.alias, a]));
    let changed = 0;
    let failed = 0;
    for (const alias of await metadata.aliases.list()) {
      const key = versionKey(alias.modelName, 0) + alias.alias;
      const sent = exported.get(key);
      exported.delete(key);
      const mlflowVersion = numbers.get(versionKey(alias.modelName, alias.version));
      // A version not in MLflow yet gets its alias on a later pass, once it is.
      if (sent?.version === alias.version || mlflowVersion === undefined) continue;
      const set = async () => {
        await client.setAlias(alias.modelName, alias.alias, mlflowVersion);
        await metadata.mlflowExports.recordAlias(alias.modelName, alias.alias, alias.version);
      };
      if (await this.refused(set)) failed++;
      else changed++;
    }
    for (const gone of exported.values()) {
      const remove = async () => {
        await client.deleteAlias(gone.modelName, gone.alias);
        await metadata.mlflowExports.recordAlias(gone.modelName, gone.alias, null);
      };
      if (await this.refused(remove)) failed++;
      else changed++;
    }
    return { changed, failed };
  }
}

/**
 * The model version's `source`. MLflow refuses a local path outside its own run's artifact
 * directory, so the filesystem store's `file://` URI is sent as `kiln:///<key>` (the real
 * URI is the `kiln.artifact_uri` tag); an `s3://` URI goes as it is.
 */
export function modelSource(uri: string, artifactPrefix: string): string {
  return uri.startsWith('file:') ? `kiln:///${artifactPrefix.replace(/^\/+/, '')}` : uri;
}

/** MLflow answered and said no (as opposed to not answering, which is no run's fault). */
function isRefusal(error: unknown): error is MlflowRequestError {
  return error instanceof MlflowRequestError && error.status !== undefined && error.status < 500;
}
