import { createHash } from 'node:crypto';
import { stageOutputPrefix } from '../core/artifacts/artifact-keys.js';
import { stepOf } from '../core/pipeline/stage-attempt.js';
import { canonicalJson } from '../core/specs/canonical-json.js';
import type { ActivityDeps } from './activity-deps.js';
import type { StageName } from '../core/pipeline/stage-names.js';
import type { StageInput, StageResult } from './stages.js';

/** What a stage's cache key is computed from. */
export type StageKeyInput = Pick<
  StageInput,
  'stage' | 'entrypoint' | 'upstream' | 'upstreamCacheKeys' | 'datasetPrefix' | 'sourceDigest' | 'environmentDigest' | 'params'
>;

/** One stage of a run, in order, as the workflow would start it: enough to compute its cache key. */
export interface PlannedStage {
  stage: StageName;
  entrypoint: string;
  upstream: StageInput['upstream'];
}

/** Bump when what goes into a key changes meaning, so old entries stop matching. */
const KEY_VERSION = 1;

/**
 * The digest of everything that determines a stage's outputs: dataset version, source
 * snapshot, environment, params, entrypoint and the upstream stages' own keys. Undefined when
 * an upstream has no key (it was never cacheable), since its outputs could then differ unseen.
 */
export function stageCacheKey(input: StageKeyInput): string | undefined {
  const upstream: Record<string, string> = {};
  for (const stage of input.upstream) {
    const key = input.upstreamCacheKeys?.[stage];
    if (!key) return undefined;
    upstream[stage] = key;
  }
  const material = {
    v: KEY_VERSION,
    stage: input.stage,
    entrypoint: input.entrypoint,
    dataset: input.datasetPrefix,
    source: input.sourceDigest,
    environment: input.environmentDigest,
    params: input.params,
    upstream,
  };
  return createHash('sha256').update(canonicalJson(material)).digest('hex');
}

/** Stage-cache reads and writes for runStage. */
export function stageCache({ metadata, artifacts }: Pick<ActivityDeps, 'metadata' | 'artifacts'>) {
  const cache = {
    /**
     * On a hit from another run, records this run's stage as cached (with the reused metrics)
     * and returns the result runStage would have; nothing runs.
     */
    async lookup(input: Pick<StageInput, 'runId' | 'stage' | 'step'>, key: string, attempt: number): Promise<StageResult | undefined> {
      const entry = await metadata.stageCache.get(key);
      // An entry of this very run means a retried attempt after the write: run it again.
      if (!entry || entry.runId === input.runId) return undefined;
      const now = new Date();
      const points = Object.entries(entry.metrics).map(([name, value]) => ({ name, value }));
      await metadata.metrics.recordMany(input.runId, stepOf(input), points);
      await metadata.runs.upsertStage({
        runId: input.runId,
        stage: stepOf(input),
        status: 'cached',
        attempt,
        startedAt: now.getTime(),
        finishedAt: now.getTime(),
        durationMs: 0,
        processMs: 0,
        message: `cached from ${entry.runId}`,
        reusedFrom: entry.runId,
      });
      return {
        attempt,
        startedAt: now.toISOString(),
        finishedAt: now.toISOString(),
        durationMs: 0,
        processMs: 0,
        metrics: entry.metrics,
        logUri: artifacts.uri(entry.outputPrefix),
        cacheKey: key,
        cachedFrom: entry.runId,
      };
    },

    /**
     * The run's leading stages that hit the cache, in order, each recorded as lookup does; the
     * first miss ends the list (it and the stages after it run, and look the cache up themselves).
     */
    async lookupLeading(
      run: Pick<StageInput, 'runId' | 'datasetPrefix' | 'sourceDigest' | 'environmentDigest' | 'params'>,
      stages: PlannedStage[],
    ): Promise<Partial<Record<StageName, StageResult>>> {
      const hits: Partial<Record<StageName, StageResult>> = {};
      const keys: Partial<Record<StageName, string | null>> = {};
      for (const planned of stages) {
        const key = stageCacheKey({ ...run, ...planned, upstreamCacheKeys: keys });
        const hit = key ? await cache.lookup({ runId: run.runId, stage: planned.stage }, key, 1) : undefined;
        if (!hit) break;
        hits[planned.stage] = hit;
        keys[planned.stage] = key ?? null;
      }
      return hits;
    },

    /** Makes a succeeded stage's outputs reusable by later runs with the same key. */
    async record(input: StageInput, key: string, metrics: Record<string, number>): Promise<void> {
      await metadata.stageCache.record({ key, runId: input.runId, stage: stepOf(input), outputPrefix: stageOutputPrefix(input.runId, stepOf(input)), metrics });
    },
  };
  return cache;
}
