import { type DatasetSource, datasetSource } from '../core/datasets/dataset-source.js';
import { type DatasetScan, scanSource } from '../core/datasets/dataset-scan.js';
import { datasetVersionId, splitParamsOf } from '../core/datasets/dataset-version.js';
import { storeScannedDataset, versionRecordOf } from '../core/datasets/store-dataset-version.js';
import { NotFoundError } from '../core/errors.js';
import { idempotentRunId } from '../core/pipeline/idempotent-run-id.js';
import { gpuQueueOf } from '../core/pipeline/stage-resources.js';
import { resolveRun } from '../core/runs/resolve-run.js';
import { startPipelineRunOnce } from '../core/runs/start-pipeline.js';
import type { DatasetSpec } from '../core/specs/dataset.js';
import { RunRequest } from '../core/specs/run-request.js';
import type { ActivityDeps } from './activity-deps.js';
import { classified } from './failures.js';
import { heartbeating } from './heartbeating.js';

export interface DatasetWatchInput {
  dataset: string;
}

export interface DatasetCheck {
  /** The content differs from what the last check saw: it was stored as a new version. */
  changed: boolean;
  /** The version id of the content the source holds now. */
  versionId?: string;
  /** First look at a dataset with no version yet: its content became the baseline, nothing started. */
  baseline?: boolean;
  /** Runs this check started: one per project with `trigger.on_new_data` on this dataset. */
  started: string[];
  /** Runs of this version another check had started already. */
  alreadyStarted: string[];
}

/** The run a new dataset version starts for a project: one id per (project, version), so racing checks start it once. */
export function newDataRunId(project: string, versionId: string): string {
  return idempotentRunId(project, `new-data:${versionId}`);
}

/** The new-data watcher's check (workflows/dataset-watch.ts runs it on a Temporal Schedule). */
export function createDatasetWatchActivities({ metadata, artifacts, temporal, config }: ActivityDeps) {
  const gpuQueue = gpuQueueOf(config);
  const runOptions = gpuQueue ? { gpuTaskQueue: gpuQueue } : {};

  async function recordStoredVersion(spec: DatasetSpec, source: DatasetSource, scan: DatasetScan): Promise<string> {
    const stored = await storeScannedDataset(artifacts, spec, source, scan);
    const recorded = await metadata.datasets.recordVersion(versionRecordOf(spec.name, stored));
    return recorded.id;
  }

  /** Starts every subscribed project on `versionId`; a run id already taken was started by another check. */
  async function startSubscribedRuns(dataset: string, versionId: string): Promise<Pick<DatasetCheck, 'started' | 'alreadyStarted'>> {
    const projects = (await metadata.projects.list()).filter((p) => p.spec.dataset === dataset && p.spec.trigger.on_new_data);
    const outcomes = await Promise.allSettled(
      projects.map(async ({ name }) => {
        const runId = newDataRunId(name, versionId);
        const resolved = await resolveRun(metadata, RunRequest.parse({ project: name }), runOptions);
        return startPipelineRunOnce(temporal, config.taskQueue, { runId, ...resolved, trigger: { kind: 'new_data', datasetVersion: versionId } });
      }),
    );
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    // The baseline is not moved on, so the next check tries again; runs started now are not started twice.
    if (failed) throw failed.reason;
    const runs = outcomes.map((o) => (o as PromiseFulfilledResult<{ runId: string; existing: boolean }>).value);
    return { started: runs.filter((r) => !r.existing).map((r) => r.runId), alreadyStarted: runs.filter((r) => r.existing).map((r) => r.runId) };
  }

  return {
    /**
     * Looks at a dataset's source. Unchanged fingerprint: done, nothing read. Changed content:
     * stores the new version and starts one run per subscribed project on it. Safe to run
     * concurrently and to repeat: every write is idempotent and run ids derive from the version.
     */
    async checkDatasetForNewData({ dataset }: DatasetWatchInput): Promise<DatasetCheck> {
      return classified(() =>
        heartbeating(async () => {
          const record = await metadata.datasets.get(dataset);
          if (!record) throw new NotFoundError('dataset', dataset);
          const { spec } = record;
          const source = datasetSource(spec.path, artifacts);
          const [fingerprint, watch] = await Promise.all([source.fingerprint(), metadata.datasets.getWatch(dataset)]);
          if (watch?.fingerprint === fingerprint) return { changed: false, versionId: watch.versionId, started: [], alreadyStarted: [] };

          // Hashed in one pass without parsing: most changed fingerprints are touched files.
          const scan = await scanSource(source);
          const contentSha256 = scan.sha256;
          const versionId = datasetVersionId(contentSha256, spec.target_column, splitParamsOf(spec));
          const previous = watch ?? (await metadata.datasets.listVersions(dataset))[0];
          // A touched file with the same bytes is not new data, and neither is what a dataset held when first watched.
          if (!previous || previous.contentSha256 === contentSha256) {
            await metadata.datasets.recordWatch({ datasetName: dataset, fingerprint, contentSha256, versionId });
            return { changed: false, versionId, ...(previous ? {} : { baseline: true }), started: [], alreadyStarted: [] };
          }

          const newVersion = await recordStoredVersion(spec, source, scan);
          // Runs before the baseline moves: a check that dies in between is redone and finds the runs' ids taken.
          const runs = await startSubscribedRuns(dataset, newVersion);
          await metadata.datasets.recordWatch({ datasetName: dataset, fingerprint, contentSha256, versionId: newVersion });
          return { changed: true, versionId: newVersion, ...runs };
        }),
      );
    },
  };
}
