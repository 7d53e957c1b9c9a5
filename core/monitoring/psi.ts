/**
 * Added to every bin's share before the shares are scaled back to a sum of 1. An empty bin (a
 * category the reference never saw, a range the window never hit) would make ln(actual /
 * expected) infinite, so one stray value would outweigh every real shift; smoothed, a bin
 * with share `a` that the reference lacked adds about a·ln(a / 1e-4): much for a real share, little for a stray.
 */
export const PSI_EPSILON = 1e-4;

/**
 * Population stability index of `actual` against `expected`, both shares of the same bins
 * (each summing to 1): Σ (a − e)·ln(a / e) over smoothed shares. 0 for identical shares;
 * the usual reading is < 0.1 stable, 0.1-0.2 moderate, > 0.2 a significant shift.
 */
export function populationStabilityIndex(expected: readonly number[], actual: readonly number[]): number {
  if (expected.length !== actual.length || expected.length === 0) throw new RangeError('populationStabilityIndex needs the same non-empty bins on both sides');
  const e = smoothedShares(expected);
  const a = smoothedShares(actual);
  let psi = 0;
  for (let i = 0; i < e.length; i++) psi += ((a[i] as number) - (e[i] as number)) * Math.log((a[i] as number) / (e[i] as number));
  return psi;
}

/** Shares with PSI_EPSILON added to each, scaled to sum to 1 again; no share is then 0. */
export function smoothedShares(shares: readonly number[]): number[] {
  const total = 1 + PSI_EPSILON * shares.length;
  return shares.map((share) => (share + PSI_EPSILON) / total);
}
