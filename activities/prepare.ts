import { Context } from '@temporalio/activity';
import { NotFoundError } from '../core/errors.js';
import { versionRecordOf, storeDatasetVersion } from '../core/datasets/store-dataset-version.js';
import { snapshotSource } from '../core/snapshots/source-snapshot.js';
import type { DatasetSpec } from '../core/specs/dataset.js';
import type { Hyperparameters } from '../core/specs/hyperparameters.js';
import type { RunPolicy } from '../core/specs/run-policy.js';
import type { RunTrigger } from '../workflows/pipeline-input.js';
import type { ActivityDeps } from './activity-deps.js';
import { classified } from './failures.js';
import { heartbeating } from './heartbeating.js';
import { stageCache, type PlannedStage } from './stage-cache.js';
import type { StageResult } from './stages.js';
import type { StageName } from '../core/pipeline/stage-names.js';
import { kilnMetrics } from '../core/metrics/kiln-metrics.js';
import { datasetTooLargeToPrepareQuickly } from '../core/datasets/quick-prepare-limit.js';

export interface PrepareRunInput {
  runId: string;
  workflowId: string;
  project: string;
  modelName: string;
  params: Hyperparameters;
  policy: RunPolicy;
  sourceDir: string;
  dataset: DatasetSpec;
  environmentDigest: string;
  /** The failed run this one resumes. */
  resumedFrom?: string;
  /** A resumed run's inputs as the original froze them: reused instead of taken again. */
  pinned?: { sourceDigest?: string; datasetVersion?: string };
  /** Why the run started. */
  trigger?: RunTrigger;
  /**
   * The run's stages, in order, when the workflow takes cache hits from here: the leading ones
   * found in the stage cache are recorded as cached and returned, and the workflow schedules
   * nothing for them. Absent in older histories (each stage looks the cache up when it runs).
   */
  cachePlan?: PlannedStage[];
}

/** prepareRunQuickly's answer: the prepared run, or why it was left to prepareRun. */
export type QuickPrepare = { prepared: PreparedRun; deferred?: never } | { deferred: string; prepared?: never };

function countStarted(input: PrepareRunInput): void {
  kilnMetrics.runsStarted.inc({ project: input.project, trigger: input.trigger?.kind ?? 'api' });
}

export interface PreparedRun {
  source: { digest: string; fileCount: number; reused: boolean };
  dataset: { versionId: string; prefix: string; trainRows: number; testRows: number };
  environmentReady: boolean;
  /** The leading stages of `cachePlan` answered from the stage cache (only once the environment is ready). */
  cached?: Partial<Record<StageName, StageResult>>;
}

/**
 * Freezes a run's inputs in one step: records the run, snapshots the source
 * (content-addressed) and versions the dataset (hash + seeded split). One activity rather
 * than four, because each activity hop costs a Temporal round trip. Idempotent under retry.
 */
export function createPrepareActivities({ metadata, artifacts, platform }: ActivityDeps) {
  const cache = stageCache({ metadata, artifacts });
  /** A recorded dataset version in the shape storeDatasetVersion returns. */
  async function pinnedDatasetVersion(id: string) {
    const version = await metadata.datasets.getVersion(id);
    if (!version) throw new NotFoundError('dataset version', id);
    return {
      versionId: version.id,
      prefix: version.artifactPrefix,
      manifest: { content_sha256: version.contentSha256, split: version.split, train_rows: version.trainRows, test_rows: version.testRows },
    };
  }

  /** Records the run and freezes its inputs; `countStart` says whether this call counts the run as started. */
  async function prepare(input: PrepareRunInput, countStart: boolean): Promise<PreparedRun> {
    await metadata.runs.createRun({
      id: input.runId,
      project: input.project,
      modelName: input.modelName,
      workflowId: input.workflowId,
      status: 'running',
      params: input.params,
      policy: input.policy,
      environmentDigest: input.environmentDigest,
      resumedFrom: input.resumedFrom ?? null,
      trigger: input.trigger?.kind ?? null,
      schedule: input.trigger?.schedule ?? null,
    });
    if (countStart) countStarted(input);
    const [snapshot, stored, build] = await Promise.all([
      input.pinned?.sourceDigest ? { digest: input.pinned.sourceDigest, fileCount: 0, reused: true } : snapshotSource(artifacts, input.sourceDir),
      input.pinned?.datasetVersion ? pinnedDatasetVersion(input.pinned.datasetVersion) : storeDatasetVersion(artifacts, input.dataset, input.dataset.path),
      metadata.environments.getBuild(input.environmentDigest),
    ]);
    const { manifest } = stored;
    await metadata.datasets.recordVersion(versionRecordOf(input.dataset.name, stored));
    // Ready means recorded as built and still usable where stages run (on this machine, in the registry).
    const environmentReady = build?.status === 'ready' && platform.environments.isAvailable(input.environmentDigest);
    // A run waiting for its build looks the cache up stage by stage after the wait, as before.
    const cached =
      input.cachePlan && environmentReady
        ? await cache.lookupLeading(
            {
              runId: input.runId,
              datasetPrefix: stored.prefix,
              sourceDigest: snapshot.digest,
              environmentDigest: input.environmentDigest,
              params: input.params,
            },
            input.cachePlan,
          )
        : undefined;
    return {
      source: { digest: snapshot.digest, fileCount: snapshot.fileCount, reused: snapshot.reused },
      dataset: { versionId: stored.versionId, prefix: stored.prefix, trainRows: manifest.train_rows, testRows: manifest.test_rows },
      environmentReady,
      ...(cached ? { cached } : {}),
    };
  }

  return {
    async prepareRun(input: PrepareRunInput): Promise<PreparedRun> {
      // Once per run, not per retry of this activity.
      return classified(() => heartbeating(() => prepare(input, Context.current().info.attempt === 1)));
    },

    /**
     * prepareRun as a local activity, for inputs small enough to freeze within a workflow task:
     * a larger or remote dataset is left to prepareRun (`deferred`, nothing recorded). The
     * workflow calls prepareRun on any failure here, which then counts the run as started.
     */
    async prepareRunQuickly(input: PrepareRunInput): Promise<QuickPrepare> {
      const deferred = input.pinned?.datasetVersion ? undefined : await datasetTooLargeToPrepareQuickly(input.dataset.path);
      if (deferred) return { deferred };
      const prepared = await classified(() => prepare(input, false));
      countStarted(input);
      return { prepared };
    },
  };
}
