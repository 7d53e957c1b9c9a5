/**
 * Edges of up to `bins` equal-frequency bins over ascending values: the minimum, the distinct
 * inner quantiles, the maximum. Each inner edge is a value of the data (the inverted-CDF
 * quantile, NumPy's `method="inverted_cdf"`), so every bin (previous edge, edge] holds at least
 * that value, and one at the maximum is dropped: no bin is empty. An edge at the minimum
 * stays, giving a heavy minimum (many zeros, say) a bin of its own.
 */
export function quantileBinEdges(sorted: readonly number[], bins: number): number[] {
  const min = sorted[0] as number;
  const max = sorted[sorted.length - 1] as number;
  const inner: number[] = [];
  for (let i = 1; i < bins; i++) {
    // Integer arithmetic: the smallest value with at least i/bins of the data at or below it.
    const edge = sorted[Math.ceil((sorted.length * i) / bins) - 1] as number;
    if (edge < max && edge !== inner[inner.length - 1]) inner.push(edge);
  }
  return [min, ...inner, max];
}

/**
 * The share of `values` in each bin of `edges`. Bins are closed on the right, and the first
 * and last reach to −∞ and +∞, so values outside the reference's range still count (in the
 * outer bins) instead of vanishing.
 */
export function binShares(edges: readonly number[], values: readonly number[]): number[] {
  const counts = new Array<number>(Math.max(1, edges.length - 1)).fill(0);
  for (const value of values) {
    const bin = binIndex(edges, value);
    counts[bin] = (counts[bin] as number) + 1;
  }
  return counts.map((count) => (values.length === 0 ? 0 : count / values.length));
}

/** How many inner edges lie strictly below `value` (binary search). */
function binIndex(edges: readonly number[], value: number): number {
  let low = 1;
  let high = edges.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((edges[middle] as number) < value) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}
