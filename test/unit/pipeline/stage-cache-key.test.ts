import { describe, expect, it } from 'vitest';
import { stageCacheKey } from '../../../activities/stage-cache.js';
import type { StageInput } from '../../../activities/stages.js';

const base: StageInput = {
  runId: 'iris-1',
  stage: 'train',
  entrypoint: 'pipeline.py:train',
  upstream: ['preprocess'],
  sourceDigest: 's'.repeat(64),
  datasetPrefix: 'datasets/iris/iris-v1',
  environmentDigest: 'e'.repeat(64),
  params: { learning_rate: 0.1, epochs: 1, batch_size: 32, seed: 42, extras: {} },
  timeoutSeconds: 60,
  upstreamCacheKeys: { preprocess: 'p'.repeat(64) },
};

describe('stageCacheKey', () => {
  it('is a sha256 that ignores the run id, policy and other runtime-only fields', () => {
    const key = stageCacheKey(base);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const elsewhere: StageInput = { ...base, runId: 'iris-2', timeoutSeconds: 5, autoResume: true, cache: false };
    expect(stageCacheKey(elsewhere)).toBe(key);
  });

  it.each([
    ['dataset version', { datasetPrefix: 'datasets/iris/iris-v2' }],
    ['source snapshot', { sourceDigest: 't'.repeat(64) }],
    ['environment', { environmentDigest: 'f'.repeat(64) }],
    ['params', { params: { ...base.params, epochs: 2 } }],
    ['extras', { params: { ...base.params, extras: { depth: 3 } } }],
    ['entrypoint', { entrypoint: 'pipeline.py:train2' }],
    ['upstream outputs', { upstreamCacheKeys: { preprocess: 'q'.repeat(64) } }],
  ])('changes with the %s', (_name, change) => {
    expect(stageCacheKey({ ...base, ...change } as StageInput)).not.toBe(stageCacheKey(base));
  });

  it('is undefined when an upstream stage has no key: its outputs are unknown', () => {
    expect(stageCacheKey({ ...base, upstreamCacheKeys: { preprocess: null } })).toBeUndefined();
    expect(stageCacheKey({ ...base, upstreamCacheKeys: undefined })).toBeUndefined();
    expect(stageCacheKey({ ...base, upstream: [], upstreamCacheKeys: undefined })).toMatch(/^[0-9a-f]{64}$/);
  });
});
