import { resolveRun } from '../core/runs/resolve-run.js';
import type { UpstreamStage } from '../core/pipeline/stage-names.js';
import { gpuQueueOf, stageResources } from '../core/pipeline/stage-resources.js';
import { CHAMPION } from '../core/specs/promotion.js';
import type { RunRequest } from '../core/specs/run-request.js';
import type { PipelineInput } from '../workflows/pipeline-input.js';
import type { ActivityDeps } from './activity-deps.js';
import type { StageInput } from './stages.js';
import { durationMs } from '../core/specs/duration.js';

export interface PlanPromotionInput {
  runId: string;
  modelName: string;
  /** The version this run registered (or found already registered). */
  version: number;
  /** The challenger's dataset version: the champion is evaluated on its test split. */
  datasetPrefix: string;
  /** The project's evaluate entrypoint. */
  evaluateEntrypoint: string;
  /** Evaluate the champion (the project compares to it). */
  evaluateChampion: boolean;
  timeoutSeconds: number;
  cache: boolean;
}

export type PromotionPlan =
  /** No champion yet: the challenger wins by default. */
  | { kind: 'no-champion' }
  /** This version already is the champion (its model files were registered before). */
  | { kind: 'already-champion'; championVersion: number }
  /** A champion exists and the project does not compare: the challenger replaces it. */
  | { kind: 'replace'; championVersion: number }
  /** Run `evaluation` (the champion's evaluate stage on this run's split), then compare. */
  | { kind: 'compare'; championVersion: number; evaluation: StageInput }
  /** The champion cannot be evaluated here; it stays champion. */
  | { kind: 'unavailable'; championVersion: number; reason: string };

export interface MoveAliasInput {
  eventId: string;
  modelName: string;
  alias: string;
  version: number | null;
  actor: string;
  runId?: string;
  reason: string;
}

/** Champion and challenger: who serves, and the evaluation that decides it. */
export function createPromotionActivities({ metadata, platform, config }: ActivityDeps) {
  /** The champion: its alias, or for models served before aliases existed, the serving version. */
  async function championOf(modelName: string): Promise<number | undefined> {
    const alias = await metadata.aliases.get(modelName, CHAMPION);
    if (alias) return alias.version;
    return (await metadata.models.currentDeployment(modelName))?.version;
  }

  /** Where a run's stage outputs are (its own run or the one it reused) and their cache key. */
  async function stageOutputs(runId: string, stage: UpstreamStage) {
    const run = await metadata.runs.getRun(runId);
    const record = run?.stages.find((s) => s.stage === stage);
    if (!record || (record.status !== 'succeeded' && record.status !== 'cached')) return undefined;
    const outputsRun = record.reusedFrom ?? runId;
    const cached = await metadata.stageCache.findByRunStage(outputsRun, stage);
    return { runId: outputsRun, cacheKey: cached?.key ?? null };
  }

  return {
    /** Resolves a scheduled run's request against the registered project at fire time. */
    async resolveRun(request: RunRequest): Promise<Omit<PipelineInput, 'runId'>> {
      const gpuQueue = gpuQueueOf(config);
      return resolveRun(metadata, request, gpuQueue ? { gpuTaskQueue: gpuQueue } : {});
    },

    /**
     * What a gradual rollout from promotion needs: the version the model serves now, if any (the
     * rollout goes beside it), and its `duration` in ms (the workflow sandbox parses no durations).
     */
    async planRollout(input: { modelName: string; duration: string }): Promise<{ servingVersion: number | null; observeMs: number }> {
      const deployment = await metadata.models.currentDeployment(input.modelName);
      return { servingVersion: deployment?.status === 'serving' ? deployment.version : null, observeMs: durationMs(input.duration) };
    },

    /** Who the challenger faces, and the champion's evaluation on the challenger's split. */
    async planPromotion(input: PlanPromotionInput): Promise<PromotionPlan> {
      const championVersion = await championOf(input.modelName);
      if (championVersion === undefined) return { kind: 'no-champion' };
      if (championVersion === input.version) return { kind: 'already-champion', championVersion };
      if (!input.evaluateChampion) return { kind: 'replace', championVersion };
      const champion = await metadata.models.get(input.modelName, championVersion);
      if (!champion) return { kind: 'unavailable', championVersion, reason: `v${championVersion} is not in the registry` };
      const [preprocess, train] = await Promise.all([stageOutputs(champion.runId, 'preprocess'), stageOutputs(champion.runId, 'train')]);
      if (!train || !champion.sourceDigest || !champion.environmentDigest) {
        return { kind: 'unavailable', championVersion, reason: `the run that trained v${championVersion} (${champion.runId}) left no train outputs on record` };
      }
      if (!platform.environments.isAvailable(champion.environmentDigest)) {
        return { kind: 'unavailable', championVersion, reason: `its environment ${champion.environmentDigest.slice(0, 12)} is not built on this worker` };
      }
      const environment = (await metadata.environments.list()).find((e) => e.specDigest === champion.environmentDigest);
      const upstream: StageInput['upstream'] = preprocess ? ['preprocess', 'train'] : ['train'];
      const evaluation: StageInput = {
        runId: input.runId,
        stage: 'evaluate',
        step: 'champion',
        entrypoint: input.evaluateEntrypoint,
        upstream,
        sourceDigest: champion.sourceDigest,
        datasetPrefix: input.datasetPrefix,
        environmentDigest: champion.environmentDigest,
        params: champion.params,
        timeoutSeconds: input.timeoutSeconds,
        autoResume: false,
        retryCountLimit: 0,
        project: input.modelName,
        resources: environment ? stageResources(environment.spec) : { gpus: 0 },
        upstreamRunIds: { train: train.runId, ...(preprocess ? { preprocess: preprocess.runId } : {}) },
        cache: input.cache,
        upstreamCacheKeys: { train: train.cacheKey, ...(preprocess ? { preprocess: preprocess.cacheKey } : {}) },
      };
      return { kind: 'compare', championVersion, evaluation };
    },

    /** Moves (or removes) an alias and appends the move to its history; idempotent by eventId. */
    async moveAlias(input: MoveAliasInput): Promise<void> {
      await metadata.aliases.move({ ...input, runId: input.runId ?? null });
    },

    /**
     * Moves the alias only while the model serves `version` (aliases-repository moveWhileServing):
     * a promotion that served but was overtaken by another one of the same model learns which serves.
     */
    async moveAliasWhileServing(input: MoveAliasInput & { version: number }): Promise<{ moved: true } | { moved: false; servingVersion: number | null }> {
      const outcome = await metadata.aliases.moveWhileServing({ ...input, runId: input.runId ?? null });
      return outcome.moved ? { moved: true } : { moved: false, servingVersion: outcome.servingVersion };
    },
  };
}
