import { emptyLatencyHistogram, mergeLatencies } from './latency-histogram.js';

/** Distinct predicted values counted per version; past it they count as `__other__` (regression outputs). */
export const ROLLOUT_PREDICTION_KEYS = 50;
const OTHER = '__other__';

/** What the API saw one version answer during a rollout. */
export interface VersionTraffic {
  requests: number;
  /** Requests the version failed (a 5xx, a refused connection, a timeout); a 400 is the caller's fault. */
  errors: number;
  /** Shadow copies whose answer was compared with the champion's, and how many agreed. */
  compared: number;
  agreed: number;
  latency: number[];
  /** Counts per predicted value (its JSON). */
  predictions: Record<string, number>;
}

export function emptyTraffic(): VersionTraffic {
  return { requests: 0, errors: 0, compared: 0, agreed: 0, latency: emptyLatencyHistogram(), predictions: {} };
}

export function countPrediction(predictions: Record<string, number>, value: unknown): void {
  const key = JSON.stringify(value) ?? 'null';
  const known = key in predictions || Object.keys(predictions).length < ROLLOUT_PREDICTION_KEYS;
  const slot = known ? key : OTHER;
  predictions[slot] = (predictions[slot] ?? 0) + 1;
}

export function mergeTraffic(a: VersionTraffic, b: VersionTraffic): VersionTraffic {
  const predictions = { ...a.predictions };
  for (const [key, n] of Object.entries(b.predictions)) predictions[key] = (predictions[key] ?? 0) + n;
  return {
    requests: a.requests + b.requests,
    errors: a.errors + b.errors,
    compared: a.compared + b.compared,
    agreed: a.agreed + b.agreed,
    latency: mergeLatencies(a.latency, b.latency),
    predictions,
  };
}

export function isEmptyTraffic(t: VersionTraffic): boolean {
  return t.requests === 0 && t.errors === 0 && t.compared === 0;
}
