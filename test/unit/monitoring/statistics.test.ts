import { describe, expect, it } from 'vitest';
import { chiSquareGoodnessOfFit } from '../../../core/monitoring/chi-square-test.js';
import { regularizedGammaQ } from '../../../core/monitoring/incomplete-gamma.js';
import { kolmogorovSurvival, ksTwoSample } from '../../../core/monitoring/ks-test.js';
import { PSI_EPSILON, populationStabilityIndex } from '../../../core/monitoring/psi.js';
import { SAMPLE_A, SAMPLE_B } from './scipy-samples.js';

/*
 * Reference numbers from SciPy 1.17.1 / NumPy 2.4.6 (Python 3.11), computed once in a
 * throwaway venv, e.g. `stats.kstwobign.sf(1.5)`, `special.gammaincc(2.5, 10)`,
 * `stats.ks_2samp(a, b).statistic`, `stats.chisquare(obs, f_exp=exp)`.
 */
const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('the Kolmogorov distribution tail', () => {
  it.each([
    [0.2, 0.999999999999495],
    [0.5, 0.9639452436648751],
    [0.8, 0.5441424115741981],
    [1.0, 0.26999967167735456],
    [1.17, 0.12939004218561884],
    [1.18, 0.1234538094297657],
    [1.19, 0.11774229287977166],
    [1.5, 0.022217962616525127],
    [2.0, 0.0006709252557796953],
    [3.0, 3.045995948942526e-8],
  ])('at λ = %f matches scipy.stats.kstwobign.sf (%f)', (lambda, expected) => {
    expect(relativeError(kolmogorovSurvival(lambda), expected)).toBeLessThan(1e-12);
  });

  it('is 1 at λ = 0 and below', () => {
    expect([kolmogorovSurvival(0), kolmogorovSurvival(-1)]).toEqual([1, 1]);
  });
});

describe('the two-sample KS test', () => {
  it('matches SciPy on two normal samples: D = 0.208333, p = kstwobign.sf(√(n·m/(n+m))·D) = 0.446408', () => {
    const { statistic, p_value } = ksTwoSample(SAMPLE_A, SAMPLE_B);
    expect(statistic).toBeCloseTo(0.20833333333333334, 14);
    expect(relativeError(p_value, 0.44640845666036527)).toBeLessThan(1e-12);
  });

  it('moves both CDFs together over tied values, as SciPy does (D = 0.2, p = 0.981208)', () => {
    const { statistic, p_value } = ksTwoSample([1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 5, 5], [2, 3, 3, 4, 4, 4, 4, 5, 6, 6]);
    expect(statistic).toBeCloseTo(0.2, 14);
    expect(relativeError(p_value, 0.9812077185357951)).toBeLessThan(1e-12);
  });

  it.each([
    ['0..29 against 10..39', range(30, 0, 1), range(30, 10, 1), 1 / 3, 0.07134474750110735],
    ['200 values against 100 shifted by 3', range(200, 0, 0.1), range(100, 3, 0.1), 0.35, 1.6126995245448238e-7],
  ])('matches SciPy on %s', (_label, a, b, d, p) => {
    const result = ksTwoSample(a, b);
    expect(result.statistic).toBeCloseTo(d, 12);
    expect(relativeError(result.p_value, p)).toBeLessThan(1e-9);
  });

  it('finds no difference between a sample and itself', () => {
    expect(ksTwoSample(SAMPLE_A, [...SAMPLE_A].reverse())).toEqual({ statistic: 0, p_value: 1 });
  });

  it('refuses an empty sample', () => {
    expect(() => ksTwoSample([], [1])).toThrow(RangeError);
  });
});

describe('the regularized upper incomplete gamma function', () => {
  it.each([
    [0.5, 0.1, 0.6547208460185768],
    [0.5, 3.0, 0.014305878435429641],
    [1.0, 2.0, 0.1353352832366127],
    [2.5, 10.0, 0.0012497305630313773],
    [5.0, 1.0, 0.9963401531726563],
    [10.0, 30.0, 7.121750862815593e-6],
    [50.0, 40.0, 0.9296649333406051],
    [0.5, 50.0, 1.5239706048320995e-23],
    [4.5, 5.5, 0.27570893677222197],
  ])('Q(%f, %f) matches scipy.special.gammaincc (%f)', (a, x, expected) => {
    expect(relativeError(regularizedGammaQ(a, x), expected)).toBeLessThan(1e-12);
  });

  it('is 1 at x = 0 and 0 at infinity', () => {
    expect([regularizedGammaQ(3, 0), regularizedGammaQ(3, Number.POSITIVE_INFINITY)]).toEqual([1, 0]);
  });

  it('refuses a non-positive shape', () => {
    expect(() => regularizedGammaQ(0, 1)).toThrow(RangeError);
  });
});

describe('the chi-square goodness-of-fit test', () => {
  it.each([
    [[48, 35, 15, 3, 9], [40, 30, 20, 5, 15], 6.883333333333333, 0.14218347395452174],
    [[130, 60, 10], [100, 70, 30], 23.761904761904763, 6.920985529257269e-6],
    [[25, 25, 25, 26], [25.25, 25.25, 25.25, 25.25], 0.0297029702970297, 0.9986505650221382],
  ])('matches scipy.stats.chisquare for %j against %j', (observed, expected, statistic, p) => {
    const result = chiSquareGoodnessOfFit(observed, expected);
    expect(result.statistic).toBeCloseTo(statistic, 12);
    expect(result.df).toBe(observed.length - 1);
    expect(relativeError(result.p_value, p)).toBeLessThan(1e-12);
  });

  it('refuses an expected count of zero and a single cell', () => {
    expect(() => chiSquareGoodnessOfFit([1, 2], [0, 3])).toThrow(RangeError);
    expect(() => chiSquareGoodnessOfFit([3], [3])).toThrow(RangeError);
  });
});

describe('the population stability index', () => {
  it('is 0 for identical shares, empty bins included', () => {
    expect(populationStabilityIndex([0.2, 0.3, 0, 0.5], [0.2, 0.3, 0, 0.5])).toBe(0);
  });

  it('is Σ (a − e)·ln(a / e): 0.2747 for half/half against a quarter/three quarters', () => {
    // (0.25 − 0.5)·ln(0.5) + (0.75 − 0.5)·ln(1.5) = 0.17329 + 0.10137 = 0.27466; smoothing lowers it by about 1e-4.
    expect(populationStabilityIndex([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(0.2747, 3);
  });

  it('stays finite when the window fills a bin the reference left empty, and grows with the share there', () => {
    const stray = populationStabilityIndex([0.5, 0.5, 0], [0.495, 0.495, 0.01]);
    const real = populationStabilityIndex([0.5, 0.5, 0], [0.4, 0.4, 0.2]);
    expect(Number.isFinite(stray) && Number.isFinite(real)).toBe(true);
    expect(stray).toBeLessThan(0.1);
    expect(real).toBeGreaterThan(1);
  });

  it('smooths by a small share', () => {
    expect(PSI_EPSILON).toBe(1e-4);
  });
});

function range(count: number, start: number, step: number): number[] {
  return Array.from({ length: count }, (_, i) => start + i * step);
}
