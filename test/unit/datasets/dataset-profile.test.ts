/**
 * A dataset version's profile from its CSV: how columns reach profileColumns (whose statistics
 * test/unit/monitoring/profile-columns.test.ts covers) and what the stored profile looks like.
 */
import { describe, expect, it } from 'vitest';
import { computeDatasetProfile, DatasetProfile, DatasetProfiler, EXACT_PROFILE_CELLS, type FeatureProfile } from '../../../core/datasets/dataset-profile.js';
import { profileColumns } from '../../../core/monitoring/profile-columns.js';

/** A CSV of the given columns (all the same length), header first. */
const csvOf = (columns: Record<string, (string | number)[]>) => {
  const names = Object.keys(columns);
  const rows = columns[names[0]!]!.map((_, i) => names.map((n) => String(columns[n]![i])).join(','));
  return `${[names.join(','), ...rows].join('\n')}\n`;
};
const profileOf = (columns: Record<string, (string | number)[]>, targetColumn = 'label', seed = 0) =>
  computeDatasetProfile({ dataset: 'd', version: 'v', csv: csvOf(columns), targetColumn, seed });
const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);

describe('computeDatasetProfile', () => {
  const profile = profileOf({ b: range(20), label: range(20).map((i) => (i % 2 ? 'yes' : 'no')), a: range(20).map((i) => `c${i % 3}`) });

  it('profiles every column from the CSV cells, the target apart, features in header order', () => {
    expect(profile).toMatchObject({ dataset: 'd', version: 'v', rows: 20 });
    expect(profile.features.map((f) => [f.name, f.kind, f.count])).toEqual([
      ['b', 'numeric', 20],
      ['a', 'categorical', 20],
    ]);
    expect(profile.target).toMatchObject({ name: 'label', kind: 'categorical', frequencies: { yes: 0.5, no: 0.5 } });
  });

  it('keeps the header order of columns named like numbers', () => {
    const named = { 10: [1], 2: [1], label: [1] } as Record<string, number[]>;
    const csv = `10,2,label\n1,1,1\n`;
    expect(computeDatasetProfile({ dataset: 'd', version: 'v', csv, targetColumn: 'label', seed: 0 }).features.map((f) => f.name)).toEqual(['10', '2']);
    expect(Object.keys(named)).toEqual(['2', '10', 'label']);
  });

  it('leaves the target out when the CSV has no such column', () => {
    expect(profileOf({ a: [1] }, 'label').target).toBeUndefined();
  });

  it('survives a JSON round trip through the one profile schema unchanged', () => {
    expect(DatasetProfile.parse(JSON.parse(JSON.stringify(profile)))).toEqual(profile);
  });

  it('is deterministic: the same cells and seed give the same profile, another seed another sample', () => {
    const big = (seed: number) => profileOf({ x: range(3000), label: range(3000).map((i) => `c${i % 3}`) }, 'label', seed);
    const sampleOf = (p: DatasetProfile) => (p.features[0]!.kind === 'numeric' ? p.features[0]!.sample : []);
    expect(big(0)).toEqual(big(0));
    expect(sampleOf(big(1))).not.toEqual(sampleOf(big(0)));
    expect(sampleOf(big(0)).length).toBeLessThanOrEqual(1000);
  });
});

describe('DatasetProfiler', () => {
  const options = { dataset: 'd', version: 'v', targetColumn: 'label', seed: 3 };
  /** Rows of a normal-ish number, a city of `cities`, a missing-sometimes amount and a 3-class label. */
  const rowsOf = (count: number, cities: number) => {
    let state = 5;
    const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24;
    return Array.from({ length: count }, () => {
      const x = ((next() + next() + next()) * 100).toFixed(2);
      return [
        x,
        `c${Math.floor(next() ** 2 * cities)}`,
        next() < 0.1 ? 'NA' : String(Math.floor(next() * 500)),
        ['no', 'yes', 'rare'][Math.floor(next() ** 3 * 3)]!,
      ];
    });
  };
  const header = ['x', 'city', 'amount', 'label'];
  const exactProfile = (rows: string[][]) =>
    profileColumns(Object.fromEntries(header.map((name, c) => [name, rows.map((row) => row[c]!)])), { dataset: 'd', version: 'v', seed: 3, target: 'label' });
  const profiled = (rows: string[][], columns = header) => {
    const profiler = new DatasetProfiler(columns, options);
    for (const row of rows) profiler.add(row);
    return profiler.finish();
  };

  it('is the exact profile, as profileColumns gives it, up to EXACT_PROFILE_CELLS cells', () => {
    const columns = Array.from({ length: 1024 }, (_, i) => (i === 0 ? 'label' : `f${i}`));
    const rows = Array.from({ length: EXACT_PROFILE_CELLS / 1024 }, (_, r) =>
      columns.map((_, c) => (c === 0 ? String(r % 2) : String((r * 31 + c * 17) % 997))),
    );
    const exact = profileColumns(Object.fromEntries(columns.map((name, c) => [name, rows.map((row) => row[c]!)])), {
      dataset: 'd',
      version: 'v',
      seed: 3,
      target: 'label',
    });
    expect(profiled(rows, columns)).toEqual(exact);
  });

  describe('past EXACT_PROFILE_CELLS', () => {
    const rows = rowsOf(Math.ceil(EXACT_PROFILE_CELLS / header.length) + 50_000, 6000);
    const exact = exactProfile(rows);
    const estimate = profiled(rows);
    const numeric = (p: DatasetProfile, name: string) => p.features.find((f) => f.name === name) as Extract<FeatureProfile, { kind: 'numeric' }>;
    const categorical = (p: DatasetProfile, name: string) =>
      (name === 'label' ? p.target : p.features.find((f) => f.name === name)) as Extract<FeatureProfile, { kind: 'categorical' }>;

    it('keeps rows, kinds, counts, missing cells and extremes exact', () => {
      expect(estimate.rows).toBe(rows.length);
      expect(estimate.features.map((f) => [f.name, f.kind, f.count, f.missing])).toEqual(exact.features.map((f) => [f.name, f.kind, f.count, f.missing]));
      for (const name of ['x', 'amount']) {
        expect([numeric(estimate, name).min, numeric(estimate, name).max]).toEqual([numeric(exact, name).min, numeric(exact, name).max]);
        expect(numeric(estimate, name).mean).toBeCloseTo(numeric(exact, name).mean, 6);
        expect(numeric(estimate, name).std).toBeCloseTo(numeric(exact, name).std, 6);
      }
    });

    it('keeps the frequencies of a column with few categories exact', () => {
      expect(categorical(estimate, 'label')).toEqual(categorical(exact, 'label'));
    });

    it('estimates quantile bins from the sample, each share within 1.5 percentage points', () => {
      for (const name of ['x', 'amount']) {
        const [got, want] = [numeric(estimate, name), numeric(exact, name)];
        expect(got.bin_edges).toHaveLength(want.bin_edges.length);
        got.bin_proportions.forEach((share, i) => expect(Math.abs(share - want.bin_proportions[i]!)).toBeLessThan(0.015));
        expect(got.sample.length).toBe(1000);
      }
    });

    it('estimates the top categories of a column with thousands, distinct as a lower bound', () => {
      const [got, want] = [categorical(estimate, 'city'), categorical(exact, 'city')];
      expect(want.distinct).toBeGreaterThan(4096);
      expect(got.distinct).toBeGreaterThan(4096);
      expect(got.distinct).toBeLessThanOrEqual(want.distinct);
      for (const [key, share] of Object.entries(want.frequencies)) expect(Math.abs((got.frequencies[key] ?? 0) - share)).toBeLessThan(0.01);
    });

    it('is deterministic: the same rows give the same profile', () => {
      expect(profiled(rows)).toEqual(estimate);
    });
  });
});
