import { describe, expect, it } from 'vitest';
import { detectDrift } from '../../../core/monitoring/detect-drift.js';
import type { DriftThresholds } from '../../../core/monitoring/feature-drift.js';
import { profileColumns } from '../../../core/monitoring/profile-columns.js';
import { SAMPLE_A, SAMPLE_B } from './scipy-samples.js';
import { categoryCells, normalCells } from './synthetic-columns.js';

const thresholds: DriftThresholds = { min_samples: 200, psi_threshold: 0.2, p_value: 0.01 };
const version = { dataset: 'breast-cancer', version: '0123456789abcdef' };
const shares = { red: 0.5, green: 0.3, blue: 0.2 };
const reference = profileColumns(
  {
    radius: normalCells(5000, 1, 14, 3.5),
    texture: normalCells(5000, 2, 19, 4.3),
    colour: categoryCells(5000, 3, shares),
    label: categoryCells(5000, 4, { 0: 0.6, 1: 0.4 }),
  },
  { ...version, target: 'label' },
);
/** A window drawn from the reference's own distributions, with other seeds. */
const liveWindow = (size: number) => ({
  radius: normalCells(size, 11, 14, 3.5),
  texture: normalCells(size, 12, 19, 4.3),
  colour: categoryCells(size, 13, shares),
});
const byFeature = (report: ReturnType<typeof detectDrift>) => Object.fromEntries(report.features.map((f) => [f.feature, f]));

describe('detectDrift on a window like the reference', () => {
  it('finds PSI near 0 and nothing drifted', () => {
    const report = detectDrift(reference, { features: liveWindow(1000), predictions: categoryCells(1000, 14, { 0: 0.6, 1: 0.4 }) }, thresholds);
    expect(report).toMatchObject({ drifted: false, drifted_features: [], unknown_features: [] });
    for (const feature of [...report.features, report.predictions!]) {
      expect(feature).toMatchObject({ status: 'stable', drifted: false, samples: 1000, missing: 0 });
      expect(feature.psi).toBeLessThan(0.05);
      expect(feature.reason).toMatch(/^stable: PSI /);
    }
  });

  it('finds a PSI of 0 when the window is the reference data itself', () => {
    const cells = normalCells(5000, 1, 14, 3.5);
    const radius = detectDrift(reference, { features: { radius: cells } }, thresholds).features[0]!;
    expect(radius.psi).toBeCloseTo(0, 12);
    expect(radius.p_value).toBeGreaterThan(0.5);
  });
});

describe('detectDrift on shifted features', () => {
  it('flags exactly a numeric feature moved by 2 standard deviations, with PSI over 0.2 and a KS p-value under 0.01', () => {
    const window = { ...liveWindow(1000), radius: normalCells(1000, 11, 14 + 2 * 3.5, 3.5) };
    const report = detectDrift(reference, { features: window }, thresholds);
    expect(report).toMatchObject({ drifted: true, drifted_features: ['radius'] });
    const radius = byFeature(report).radius!;
    expect(radius).toMatchObject({ status: 'drifted', drifted: true, test: 'ks', kind: 'numeric' });
    expect(radius.psi).toBeGreaterThan(0.2);
    expect(radius.p_value).toBeLessThan(0.01);
    expect(radius.reason).toMatch(/^drifted: PSI [\d.]+ ≥ 0\.2 and KS p-value .+ < 0\.01$/);
  });

  it('flags a categorical feature whose shares changed, by chi-square', () => {
    const window = { ...liveWindow(1000), colour: categoryCells(1000, 13, { red: 0.2, green: 0.3, blue: 0.5 }) };
    const colour = byFeature(detectDrift(reference, { features: window }, thresholds)).colour!;
    expect(colour).toMatchObject({ status: 'drifted', drifted: true, test: 'chi_square', kind: 'categorical' });
    expect(colour.psi).toBeGreaterThan(0.2);
    expect(colour.p_value).toBeLessThan(1e-10);
  });

  it('flags predictions whose classes moved away from the target distribution', () => {
    const report = detectDrift(reference, { features: liveWindow(1000), predictions: categoryCells(1000, 14, { 0: 0.2, 1: 0.8 }) }, thresholds);
    expect(report).toMatchObject({ drifted: true, drifted_features: [], predictions: { feature: 'label', status: 'drifted', test: 'chi_square' } });
  });

  it('counts a category the reference never saw, and flags it when it takes a real share', () => {
    const window = { ...liveWindow(1000), colour: categoryCells(1000, 13, { red: 0.4, green: 0.2, blue: 0.1, purple: 0.3 }) };
    const colour = byFeature(detectDrift(reference, { features: window }, thresholds)).colour!;
    expect(colour).toMatchObject({ drifted: true, samples: 1000 });
    expect(Number.isFinite(colour.psi) && Number.isFinite(colour.statistic)).toBe(true);
  });
});

describe('detectDrift: a shift must be large and unlikely to be chance', () => {
  it('calls a significant but small shift stable', () => {
    const window = { colour: categoryCells(20000, 13, { red: 0.47, green: 0.32, blue: 0.21 }) };
    const colour = byFeature(detectDrift(reference, { features: window }, thresholds)).colour!;
    expect(colour.p_value).toBeLessThan(0.01);
    expect(colour.psi).toBeLessThan(0.2);
    expect(colour).toMatchObject({ status: 'stable', drifted: false });
    expect(colour.reason).toMatch(/^stable: chi-square p-value .+ < 0\.01 but PSI .+ < 0\.2, a shift too small to matter$/);
  });

  it('calls a large PSI from a handful of values stable when the test does not back it', () => {
    const radius = byFeature(detectDrift(reference, { features: { radius: normalCells(12, 21, 14, 3.5) } }, { ...thresholds, min_samples: 10 })).radius!;
    expect(radius.psi).toBeGreaterThan(0.2);
    expect(radius.p_value).toBeGreaterThan(0.01);
    expect(radius).toMatchObject({ status: 'stable', drifted: false });
    expect(radius.reason).toMatch(/^stable: PSI .+ ≥ 0\.2 but KS p-value .+ ≥ 0\.01, so the shift may be chance$/);
  });
});

describe('detectDrift on rare and constant categories', () => {
  it('does not call a single value the reference never saw drift', () => {
    const window = { colour: [...categoryCells(300, 13, shares), 'purple'] };
    const colour = byFeature(detectDrift(reference, { features: window }, thresholds)).colour!;
    expect(colour).toMatchObject({ status: 'stable', drifted: false, samples: 301 });
    expect(colour.psi).toBeLessThan(0.05);
  });

  it('finds nothing to test in a constant feature that stays constant, and flags it when new values take over', () => {
    const constant = profileColumns({ kind: Array.from({ length: 500 }, () => 'tabular') }, version);
    const same = detectDrift(constant, { features: { kind: Array.from({ length: 300 }, () => 'tabular') } }, thresholds).features[0];
    expect(same).toMatchObject({ status: 'stable', psi: 0, statistic: 0, p_value: 1 });
    const changed = detectDrift(constant, { features: { kind: categoryCells(300, 1, { tabular: 0.5, image: 0.5 }) } }, thresholds).features[0];
    expect(changed).toMatchObject({ status: 'drifted', drifted: true });
  });
});

describe('detectDrift with too few samples', () => {
  it('reports insufficient data, never drift, however far the values moved', () => {
    const window = { radius: normalCells(150, 11, 100, 1) };
    const radius = byFeature(detectDrift(reference, { features: window }, thresholds)).radius!;
    expect(radius).toEqual({
      feature: 'radius',
      kind: 'numeric',
      test: 'ks',
      status: 'insufficient_data',
      drifted: false,
      samples: 150,
      missing: 0,
      psi: null,
      statistic: null,
      p_value: null,
      reason: '150 values in the window, fewer than min_samples (200)',
    });
  });

  it('reports a feature absent from the window as insufficient, and lists window features the reference lacks', () => {
    const report = detectDrift(reference, { features: { radius: normalCells(300, 11, 14, 3.5), smoothness: normalCells(300, 5) } }, thresholds);
    expect(byFeature(report).texture).toMatchObject({ status: 'insufficient_data', samples: 0, missing: 0 });
    expect(report.unknown_features).toEqual(['smoothness']);
  });

  it('compares no predictions when none were logged', () => {
    expect(detectDrift(reference, { features: liveWindow(300) }, thresholds)).not.toHaveProperty('predictions');
  });
});

describe('detectDrift with missing values', () => {
  it('leaves missing and non-numeric values out, and counts them', () => {
    const present = normalCells(400, 11, 14, 3.5);
    const cells = [...present, ...Array.from({ length: 100 }, (_, i) => [null, '', 'NA', 'n/a', 'oops'][i % 5] as string | null)];
    const radius = byFeature(detectDrift(reference, { features: { radius: cells } }, thresholds)).radius!;
    expect(radius).toMatchObject({ samples: 400, missing: 100, status: 'stable' });
    expect(radius.psi).toBe(byFeature(detectDrift(reference, { features: { radius: present } }, thresholds)).radius!.psi);
  });

  it('counts too few present values as insufficient even in a long window', () => {
    const cells = [...normalCells(150, 11, 14, 3.5), ...Array.from({ length: 500 }, () => null)];
    expect(byFeature(detectDrift(reference, { features: { radius: cells } }, thresholds)).radius).toMatchObject({
      status: 'insufficient_data',
      samples: 150,
      missing: 500,
    });
  });

  it('takes logged numbers and CSV strings alike', () => {
    const cells = normalCells(300, 11, 14, 3.5);
    const fromStrings = detectDrift(reference, { features: { radius: cells, colour: categoryCells(300, 1, shares) } }, thresholds);
    const fromNumbers = detectDrift(reference, { features: { radius: cells.map(Number), colour: categoryCells(300, 1, shares) } }, thresholds);
    expect(fromNumbers).toEqual(fromStrings);
    expect(detectDrift(reference, { features: {}, predictions: Array.from({ length: 300 }, (_, i) => i % 2) }, thresholds).predictions).toMatchObject({
      samples: 300,
      missing: 0,
    });
  });
});

describe('detectDrift is deterministic', () => {
  it('gives the same report for the same window, in any order', () => {
    const window = liveWindow(500);
    const reversed = Object.fromEntries(Object.entries(window).map(([name, cells]) => [name, [...cells].reverse()]));
    const report = detectDrift(reference, { features: window }, thresholds);
    expect(detectDrift(reference, { features: window }, thresholds)).toEqual(report);
    expect(detectDrift(reference, { features: reversed }, thresholds)).toEqual(report);
  });
});

describe('detectDrift against SciPy and NumPy', () => {
  // SAMPLE_A is small enough that the reference keeps all of it as its KS sample.
  const numeric = profileColumns({ a: SAMPLE_A.map(String) }, version);
  const categorical = profileColumns({ c: categoryCells(100, 1, { x: 0.5, y: 0.3, z: 0.2 }) }, version);
  const small = { ...numeric, features: [...numeric.features, ...categorical.features] };
  const report = detectDrift(
    small,
    { features: { a: SAMPLE_B.map(String), c: categoryCells(100, 2, { x: 0.2, y: 0.3, z: 0.5 }) } },
    { ...thresholds, min_samples: 10 },
  );

  it('gives the KS numbers of scipy.stats.ks_2samp and the PSI NumPy computes on inverted-CDF deciles', () => {
    const a = byFeature(report).a!;
    expect(a.statistic).toBeCloseTo(0.20833333333333334, 14);
    expect(a.p_value).toBeCloseTo(0.44640845666036527, 12);
    expect(a.psi).toBeCloseTo(0.3237099153134583, 12);
  });

  it('gives the chi-square of scipy.stats.chisquare against the smoothed reference shares', () => {
    const c = byFeature(report).c!;
    expect(c.statistic).toBeCloseTo(62.97481266700738, 10);
    expect(c.p_value! / 2.1144293567554248e-14).toBeCloseTo(1, 10);
    expect(c.psi).toBeCloseTo(0.5494296731991424, 12);
  });
});
