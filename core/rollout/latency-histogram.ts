/**
 * Latencies as counts per bucket, so the API can add up millions of requests in a few numbers
 * and any process can merge them. A p95 is read as the upper edge of the bucket that holds it:
 * coarse (one bucket), but never optimistic.
 */
export const LATENCY_BUCKET_EDGES_MS = [1, 2, 3, 5, 7.5, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 2000, 5000, 10_000, 30_000] as const;

/** One count per edge, plus one for slower than the last edge. */
export function emptyLatencyHistogram(): number[] {
  return new Array(LATENCY_BUCKET_EDGES_MS.length + 1).fill(0);
}

export function recordLatency(histogram: number[], ms: number): void {
  const bucket = LATENCY_BUCKET_EDGES_MS.findIndex((edge) => ms <= edge);
  histogram[bucket === -1 ? LATENCY_BUCKET_EDGES_MS.length : bucket]! += 1;
}

export function mergeLatencies(a: readonly number[], b: readonly number[]): number[] {
  return emptyLatencyHistogram().map((_, i) => (a[i] ?? 0) + (b[i] ?? 0));
}

/** The upper edge of the bucket holding quantile `q` (Infinity past the last edge); undefined without samples. */
export function latencyQuantileMs(histogram: readonly number[], q: number): number | undefined {
  const total = histogram.reduce((sum, n) => sum + n, 0);
  if (total === 0) return undefined;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i] ?? 0;
    if (seen >= rank) return LATENCY_BUCKET_EDGES_MS[i] ?? Number.POSITIVE_INFINITY;
  }
  return Number.POSITIVE_INFINITY;
}
