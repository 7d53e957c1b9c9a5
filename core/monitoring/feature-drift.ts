import { chiSquareGoodnessOfFit } from './chi-square-test.js';
import { type CellValue, categoryKey, numericValue, OTHER_CATEGORY } from './cell-values.js';
import type { CategoricalFeatureProfile, FeatureProfile, NumericFeatureProfile } from './feature-profile.js';
import { ksTwoSample, type TestResult } from './ks-test.js';
import { binShares } from './quantile-bins.js';
import { populationStabilityIndex, smoothedShares } from './psi.js';

/** When a window counts as drifted; the same names as the project's `monitoring` spec, so it can be passed as is. */
export interface DriftThresholds {
  /** Fewer present values than this: insufficient data, never drifted. */
  min_samples: number;
  /** PSI at or above this is a shift large enough to matter. */
  psi_threshold: number;
  /** A test p-value under this is a shift unlikely to be chance. */
  p_value: number;
}

export type DriftStatus = 'drifted' | 'stable' | 'insufficient_data';
export type DriftTest = 'ks' | 'chi_square';

/** One feature's (or the predictions') comparison with the reference. */
export interface FeatureDrift {
  feature: string;
  kind: FeatureProfile['kind'];
  test: DriftTest;
  status: DriftStatus;
  drifted: boolean;
  /** Present values in the window; `missing` counts the absent, NA and (for numeric features) non-numeric ones. */
  samples: number;
  missing: number;
  /** Null when there was too little data to compute them. */
  psi: number | null;
  statistic: number | null;
  p_value: number | null;
  /** The verdict in words, with the numbers behind it. */
  reason: string;
}

/** Compares a window of one feature's values with its reference profile. */
export function featureDrift(profile: FeatureProfile, values: readonly CellValue[], thresholds: DriftThresholds): FeatureDrift {
  const comparison = profile.kind === 'numeric' ? numericComparison(profile, values) : categoricalComparison(profile, values);
  const base = { feature: profile.name, kind: profile.kind, test: comparison.test, samples: comparison.samples, missing: values.length - comparison.samples };
  const shortage =
    comparison.samples < thresholds.min_samples ? `${comparison.samples} values in the window, fewer than min_samples (${thresholds.min_samples})` : undefined;
  const lack = shortage ?? (comparison.referenceValues === 0 ? 'the reference has no values for this feature' : undefined);
  if (lack !== undefined) return { ...base, status: 'insufficient_data', drifted: false, psi: null, statistic: null, p_value: null, reason: lack };
  const { psi, result } = comparison.score();
  const drifted = psi >= thresholds.psi_threshold && result.p_value < thresholds.p_value;
  const status = drifted ? 'drifted' : 'stable';
  return {
    ...base,
    status,
    drifted,
    psi,
    statistic: result.statistic,
    p_value: result.p_value,
    reason: verdict(comparison.test, psi, result.p_value, thresholds),
  };
}

interface Comparison {
  test: DriftTest;
  samples: number;
  /** Reference values the test compares against: a numeric profile's sample, a categorical one's count. */
  referenceValues: number;
  score: () => { psi: number; result: TestResult };
}

function numericComparison(profile: NumericFeatureProfile, values: readonly CellValue[]): Comparison {
  const numbers = values.map(numericValue).filter((v): v is number => v !== undefined);
  return {
    test: 'ks',
    samples: numbers.length,
    referenceValues: profile.sample.length,
    score: () => ({
      psi: populationStabilityIndex(profile.bin_proportions, binShares(profile.bin_edges, numbers)),
      result: ksTwoSample(profile.sample, numbers),
    }),
  };
}

function categoricalComparison(profile: CategoricalFeatureProfile, values: readonly CellValue[]): Comparison {
  const keys = values.map(categoryKey).filter((k): k is string => k !== undefined);
  return { test: 'chi_square', samples: keys.length, referenceValues: profile.count, score: () => categoricalScore(profile, keys) };
}

/**
 * PSI over the reference's categories (a category it never saw counts under `__other__`),
 * and chi-square on the same cells with the cells expected to hold fewer than 5 values
 * pooled into one: below that the chi-square approximation overstates small differences.
 */
function categoricalScore(profile: CategoricalFeatureProfile, keys: readonly string[]) {
  const observed = new Map<string, number>(Object.keys(profile.frequencies).map((category) => [category, 0]));
  for (const key of keys) {
    const cell = observed.has(key) && key !== OTHER_CATEGORY ? key : OTHER_CATEGORY;
    observed.set(cell, (observed.get(cell) ?? 0) + 1);
  }
  const cells = [...observed.keys()];
  const expectedShares = cells.map((cell) => profile.frequencies[cell] ?? 0);
  const observedCounts = cells.map((cell) => observed.get(cell) as number);
  const psi = populationStabilityIndex(
    expectedShares,
    observedCounts.map((count) => count / keys.length),
  );
  // Smoothed like PSI, so a category the reference lacks has a small expected count rather than none.
  const expectedCounts = smoothedShares(expectedShares).map((share) => share * keys.length);
  return { psi, result: pooledChiSquare(observedCounts, expectedCounts) };
}

const MIN_EXPECTED = 5;

function pooledChiSquare(observed: readonly number[], expected: readonly number[]): TestResult {
  const kept: [number, number][] = [];
  let pooledObserved = 0;
  let pooledExpected = 0;
  expected.forEach((e, i) => {
    const o = observed[i] as number;
    if (e >= MIN_EXPECTED) kept.push([o, e]);
    else {
      pooledObserved += o;
      pooledExpected += e;
    }
  });
  if (pooledExpected > 0) kept.push([pooledObserved, pooledExpected]);
  // One cell holds everything: the window cannot differ from the reference in any way this test sees.
  if (kept.length < 2) return { statistic: 0, p_value: 1 };
  return chiSquareGoodnessOfFit(
    kept.map(([o]) => o),
    kept.map(([, e]) => e),
  );
}

const TEST_NAMES: Record<DriftTest, string> = { ks: 'KS', chi_square: 'chi-square' };

/**
 * A feature drifts only when the shift is both large (PSI) and unlikely to be chance (the
 * test): over thousands of logged predictions a test alone flags shifts too small to matter,
 * and with many features at p < 0.01 some would be flagged by chance every window.
 */
function verdict(test: DriftTest, psi: number, p: number, t: DriftThresholds): string {
  const large = psi >= t.psi_threshold;
  const significant = p < t.p_value;
  const psiText = `PSI ${format(psi)} ${large ? '≥' : '<'} ${t.psi_threshold}`;
  const pText = `${TEST_NAMES[test]} p-value ${format(p)} ${significant ? '<' : '≥'} ${t.p_value}`;
  if (large && significant) return `drifted: ${psiText} and ${pText}`;
  if (large) return `stable: ${psiText} but ${pText}, so the shift may be chance`;
  if (significant) return `stable: ${pText} but ${psiText}, a shift too small to matter`;
  return `stable: ${psiText} and ${pText}`;
}

function format(value: number): string {
  if (value !== 0 && Math.abs(value) < 1e-3) return value.toExponential(2);
  return Number(value.toPrecision(3)).toString();
}
