import { createHash } from 'node:crypto';
import { stageOutputPrefix } from '../core/artifacts/artifact-keys.js';
import { stepOf } from '../core/pipeline/stage-attempt.js';
import { canonicalJson } from '../core/specs/canonical-json.js';
import type { ActivityDeps } from './activity-deps.js';
import type { StageCacheEntry } from '../core/metadata/stage-cache-repository.js';
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

/** A hit: the stage (as recorded) and the entry it reuses. */
interface Hit {
  input: Pick<StageInput, 'runId' | 'stage' | 'step'>;
  key: string;
  entry: StageCacheEntry;
}

/** Stage-cache reads and writes for runStage. */
export function stageCache({ metadata, artifacts }: Pick<ActivityDeps, 'metadata' | 'artifacts'>) {
  /** The entry `key` names, unless it is missing or this very run's (a retried attempt after the write: run it again). */
  async function entryFor(runId: string, key: string): Promise<StageCacheEntry | undefined> {
    const entry = await metadata.stageCache.get(key);
    return entry && entry.runId !== runId ? entry : undefined;
  }

  /** Records each hit's stage as cached, with the reused metrics, in one commit; returns what runStage would have. */
  async function recordHits(hits: readonly Hit[], attempt: number): Promise<StageResult[]> {
    const now = new Date();
    await metadata.inTransaction(async ({ metrics, runs }) => {
      for (const { input, entry } of hits) {
        const points = Object.entries(entry.metrics).map(([name, value]) => ({ name, value }));
        await metrics.recordMany(input.runId, stepOf(input), points);
        await runs.upsertStage({
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
      }
    });
    return hits.map(({ key, entry }) => ({
      attempt,
      startedAt: now.toISOString(),
      finishedAt: now.toISOString(),
      durationMs: 0,
      processMs: 0,
      metrics: entry.metrics,
      logUri: artifacts.uri(entry.outputPrefix),
      cacheKey: key,
      cachedFrom: entry.runId,
    }));
  }

  return {
    /**
     * On a hit from another run, records this run's stage as cached (with the reused metrics)
     * and returns the result runStage would have; nothing runs.
     */
    async lookup(input: Pick<StageInput, 'runId' | 'stage' | 'step'>, key: string, attempt: number): Promise<StageResult | undefined> {
      const entry = await entryFor(input.runId, key);
      return entry ? (await recordHits([{ input, key, entry }], attempt))[0] : undefined;
    },

    /**
     * The run's leading stages that hit the cache, in order, recorded as lookup records one
     * (all in one commit); the first miss ends the list (it and the stages after it run, and
     * look the cache up themselves).
     */
    async lookupLeading(
      run: Pick<StageInput, 'runId' | 'datasetPrefix' | 'sourceDigest' | 'environmentDigest' | 'params'>,
      stages: PlannedStage[],
    ): Promise<Partial<Record<StageName, StageResult>>> {
      const hits: Hit[] = [];
      const keys: Partial<Record<StageName, string>> = {};
      for (const planned of stages) {
        const key = stageCacheKey({ ...run, ...planned, upstreamCacheKeys: keys });
        const entry = key ? await entryFor(run.runId, key) : undefined;
        if (!key || !entry) break;
        hits.push({ input: { runId: run.runId, stage: planned.stage }, key, entry });
        keys[planned.stage] = key;
      }
      const results = hits.length ? await recordHits(hits, 1) : [];
      return Object.fromEntries(hits.map((hit, i) => [hit.input.stage, results[i]!]));
    },

    /** Makes a succeeded stage's outputs reusable by later runs with the same key. */
    async record(input: StageInput, key: string, metrics: Record<string, number>): Promise<void> {
      await metadata.stageCache.record({ key, runId: input.runId, stage: stepOf(input), outputPrefix: stageOutputPrefix(input.runId, stepOf(input)), metrics });
    },
  };
}
