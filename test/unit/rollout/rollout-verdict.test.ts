import { describe, expect, it } from 'vitest';
import { emptyLatencyHistogram, latencyQuantileMs, recordLatency } from '../../../core/rollout/latency-histogram.js';
import { summarizeChallenger } from '../../../core/rollout/rollout-summary.js';
import { challengerBreach, challengerUnproven } from '../../../core/rollout/rollout-verdict.js';
import { countPrediction, emptyTraffic } from '../../../core/rollout/version-traffic.js';
import { RolloutSpec } from '../../../core/specs/rollout.js';

const canary = RolloutSpec.parse({ strategy: 'canary', percent: 20, max_prediction_psi: 0.2 });
const healthy = { requests: 100, errors: 0, errorRate: 0, p95Ms: 10, agreement: null, predictionPsi: 0.01 };

describe('challengerBreach', () => {
  it('lets a challenger within every bound go on', () => {
    expect(challengerBreach(canary, healthy)).toBeUndefined();
  });

  it.each([
    ['an error rate over the bound', { errors: 5, errorRate: 0.05 }, 'error rate 0.05 over max_error_rate 0.01 (5 of 100 requests)'],
    ['a p95 over the bound', { p95Ms: 75 }, 'p95 latency 75 ms over max_p95_ms 50'],
    ['predictions unlike the champion', { predictionPsi: 3.2 }, 'prediction PSI 3.2 against the champion over max_prediction_psi 0.2'],
  ])('rolls back %s', (_label, over, reason) => {
    expect(challengerBreach(canary, { ...healthy, ...over })).toBe(reason);
  });

  it('does not judge rates on a handful of requests', () => {
    expect(challengerBreach(canary, { ...healthy, requests: 3, errors: 1, errorRate: 1 / 3 })).toBeUndefined();
  });

  it('never rolls back a shadow on numbers (it only reports)', () => {
    expect(challengerBreach(RolloutSpec.parse({ strategy: 'shadow' }), { ...healthy, errorRate: 1 })).toBeUndefined();
  });
});

describe('challengerUnproven', () => {
  const demanding = RolloutSpec.parse({ strategy: 'canary', percent: 20, min_requests: 50 });
  it('holds back a canary that answered fewer than min_requests, or was never sampled', () => {
    expect(challengerUnproven(demanding, { ...healthy, requests: 49 })).toBe('only 49 requests reached the challenger, fewer than min_requests 50');
    expect(challengerUnproven(demanding, undefined)).toBe('only 0 requests reached the challenger, fewer than min_requests 50');
  });
  it('lets one with enough traffic, or without min_requests, be promoted', () => {
    expect(challengerUnproven(demanding, { ...healthy, requests: 50 })).toBeUndefined();
    expect(challengerUnproven(canary, { ...healthy, requests: 0 })).toBeUndefined();
  });
});

describe('summarizeChallenger', () => {
  it('reads the p95 as the upper edge of its latency bucket', () => {
    const histogram = emptyLatencyHistogram();
    for (let i = 0; i < 95; i++) recordLatency(histogram, 4);
    for (let i = 0; i < 5; i++) recordLatency(histogram, 400);
    expect(latencyQuantileMs(histogram, 0.95)).toBe(5);
    recordLatency(histogram, 400);
    expect(latencyQuantileMs(histogram, 0.95)).toBe(500);
  });

  it('gives a large prediction PSI to a challenger that always answers the same class', () => {
    const champion = emptyTraffic();
    const challenger = emptyTraffic();
    for (let i = 0; i < 100; i++) countPrediction(champion.predictions, i % 2);
    for (let i = 0; i < 100; i++) countPrediction(challenger.predictions, 0);
    challenger.requests = 100;
    const summary = summarizeChallenger(challenger, champion);
    expect(summary.predictionPsi).toBeGreaterThan(1);
    expect(summary).toMatchObject({ requests: 100, errorRate: 0, p95Ms: null, agreement: null });
  });
});
