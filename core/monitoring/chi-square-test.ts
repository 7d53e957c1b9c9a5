import { regularizedGammaQ } from './incomplete-gamma.js';
import type { TestResult } from './ks-test.js';

export interface ChiSquareResult extends TestResult {
  /** Degrees of freedom: cells − 1. */
  df: number;
}

/**
 * Pearson's chi-square goodness of fit of observed counts against expected counts (same
 * total, every expected count positive): Σ (O − E)² / E, and its p-value from the chi-square
 * distribution with cells − 1 degrees of freedom, Q(df / 2, χ² / 2). SciPy's `chisquare`.
 */
export function chiSquareGoodnessOfFit(observed: readonly number[], expected: readonly number[]): ChiSquareResult {
  if (observed.length !== expected.length || observed.length < 2) throw new RangeError('chiSquareGoodnessOfFit needs two or more cells on each side');
  let statistic = 0;
  observed.forEach((o, i) => {
    const e = expected[i] as number;
    if (!(e > 0)) throw new RangeError(`expected count of cell ${i} must be positive (got ${e})`);
    statistic += ((o - e) * (o - e)) / e;
  });
  const df = observed.length - 1;
  return { statistic, df, p_value: regularizedGammaQ(df / 2, statistic / 2) };
}
