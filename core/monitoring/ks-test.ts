/** A two-sample test's outcome: the statistic and the probability of one at least as extreme if both samples share a distribution. */
export interface TestResult {
  statistic: number;
  p_value: number;
}

/**
 * Two-sample Kolmogorov-Smirnov test: D is the largest gap between the two empirical CDFs;
 * the p-value is the asymptotic Kolmogorov distribution's tail at λ = √(n·m / (n + m))·D
 * (SciPy's `kstwobign.sf`). Tied values move both CDFs at once, so ties never widen D.
 */
export function ksTwoSample(first: readonly number[], second: readonly number[]): TestResult {
  if (first.length === 0 || second.length === 0) throw new RangeError('ksTwoSample needs two non-empty samples');
  const a = [...first].sort(ascending);
  const b = [...second].sort(ascending);
  let i = 0;
  let j = 0;
  let statistic = 0;
  while (i < a.length && j < b.length) {
    const value = Math.min(a[i] as number, b[j] as number);
    while (i < a.length && a[i] === value) i++;
    while (j < b.length && b[j] === value) j++;
    statistic = Math.max(statistic, Math.abs(i / a.length - j / b.length));
  }
  const effective = (a.length * b.length) / (a.length + b.length);
  return { statistic, p_value: kolmogorovSurvival(Math.sqrt(effective) * statistic) };
}

const ascending = (x: number, y: number) => x - y;

/**
 * P(K > λ) for the Kolmogorov distribution. Each of its two series converges in a few terms on
 * its own side of λ ≈ 1.18: the theta-function form below (its terms shrink like e^(−π²/8λ²)),
 * the alternating series 2 Σ (−1)^(j−1) e^(−2j²λ²) above.
 */
export function kolmogorovSurvival(lambda: number): number {
  if (!(lambda > 0)) return 1;
  if (lambda < 1.18) {
    const factor = (Math.PI * Math.PI) / (8 * lambda * lambda);
    let cdf = 0;
    for (let j = 1; j <= 100; j++) {
      const term = Math.exp(-(2 * j - 1) * (2 * j - 1) * factor);
      cdf += term;
      if (term < 1e-17 * cdf) break;
    }
    return 1 - (Math.sqrt(2 * Math.PI) / lambda) * cdf;
  }
  let tail = 0;
  for (let j = 1; j <= 100; j++) {
    const term = Math.exp(-2 * j * j * lambda * lambda);
    tail += j % 2 === 1 ? term : -term;
    if (term < 1e-17 * tail) break;
  }
  return Math.min(1, Math.max(0, 2 * tail));
}
