import type { RolloutSpec } from '../specs/rollout.js';

/** How a rollout ended. `completed`: a shadow that ran its course (it reports; it never promotes itself). */
export type RolloutOutcome = 'promoted' | 'rolled_back' | 'completed';

/** A challenger's live numbers at one sample; what the rollout workflow decides on (plain JSON). */
export interface ChallengerSummary {
  requests: number;
  errors: number;
  errorRate: number;
  /** Upper edge of the latency bucket holding the 95th percentile; null before any answer. */
  p95Ms: number | null;
  /** Share of shadow copies that agreed with the champion; null when none were compared. */
  agreement: number | null;
  /** PSI of the challenger's predicted values against the champion's over the rollout; null before both answered. */
  predictionPsi: number | null;
}

/** Pure, so the rollout workflow can run it: why the challenger must be rolled back, or undefined while it holds. */
export function challengerBreach(spec: RolloutSpec, summary: ChallengerSummary): string | undefined {
  if (spec.strategy !== 'canary') return undefined;
  // A handful of requests says little: one error in the first three is not a 33% error rate yet.
  const enough = summary.requests >= MIN_REQUESTS_FOR_RATES;
  if (enough && summary.errorRate > spec.max_error_rate) {
    return `error rate ${round(summary.errorRate)} over max_error_rate ${spec.max_error_rate} (${summary.errors} of ${summary.requests} requests)`;
  }
  if (enough && summary.p95Ms !== null && summary.p95Ms > spec.max_p95_ms) {
    return `p95 latency ${summary.p95Ms} ms over max_p95_ms ${spec.max_p95_ms}`;
  }
  if (enough && spec.max_prediction_psi !== undefined && summary.predictionPsi !== null && summary.predictionPsi > spec.max_prediction_psi) {
    return `prediction PSI ${round(summary.predictionPsi)} against the champion over max_prediction_psi ${spec.max_prediction_psi}`;
  }
  return undefined;
}

/** Pure: why a canary that held its bounds for its whole duration still must not be promoted (too little traffic), or undefined. */
export function challengerUnproven(spec: RolloutSpec, summary: ChallengerSummary | null | undefined): string | undefined {
  if (spec.strategy !== 'canary' || spec.min_requests === undefined) return undefined;
  const requests = summary?.requests ?? 0;
  if (requests >= spec.min_requests) return undefined;
  return `only ${requests} requests reached the challenger, fewer than min_requests ${spec.min_requests}`;
}

/** Requests the challenger must have answered before its rates are judged. */
export const MIN_REQUESTS_FOR_RATES = 10;

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
