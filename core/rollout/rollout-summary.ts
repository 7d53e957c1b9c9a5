import { populationStabilityIndex } from '../monitoring/psi.js';
export type { ChallengerSummary } from './rollout-verdict.js';
import { latencyQuantileMs } from './latency-histogram.js';
import type { ChallengerSummary } from './rollout-verdict.js';
import type { VersionTraffic } from './version-traffic.js';

export function summarizeChallenger(challenger: VersionTraffic, champion: VersionTraffic): ChallengerSummary {
  const p95 = latencyQuantileMs(challenger.latency, 0.95);
  return {
    requests: challenger.requests,
    errors: challenger.errors,
    errorRate: challenger.requests === 0 ? 0 : challenger.errors / challenger.requests,
    p95Ms: p95 === undefined ? null : Number.isFinite(p95) ? p95 : Number.MAX_SAFE_INTEGER,
    agreement: challenger.compared === 0 ? null : challenger.agreed / challenger.compared,
    predictionPsi: predictionPsi(champion.predictions, challenger.predictions),
  };
}

/** PSI over the union of predicted values (each side's counts as shares). */
function predictionPsi(expected: Record<string, number>, actual: Record<string, number>): number | null {
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  const total = (counts: Record<string, number>) => keys.reduce((sum, k) => sum + (counts[k] ?? 0), 0);
  const e = total(expected);
  const a = total(actual);
  if (e === 0 || a === 0) return null;
  return populationStabilityIndex(
    keys.map((k) => (expected[k] ?? 0) / e),
    keys.map((k) => (actual[k] ?? 0) / a),
  );
}
