import { describe, expect, it } from 'vitest';
import { OTHER_CATEGORY, PROFILE_LIMITS } from '../../../core/datasets/column-profile.js';
import { computeDatasetProfile, DatasetProfile, type FeatureProfile } from '../../../core/datasets/dataset-profile.js';

/** A CSV of the given columns (all the same length), header first. */
const csvOf = (columns: Record<string, (string | number)[]>) => {
  const names = Object.keys(columns);
  const rows = columns[names[0]!]!.map((_, i) => names.map((n) => String(columns[n]![i])).join(','));
  return `${[names.join(','), ...rows].join('\n')}\n`;
};
const profileOf = (columns: Record<string, (string | number)[]>, targetColumn = 'label', seed = 0) =>
  computeDatasetProfile({ dataset: 'd', version: 'v', csv: csvOf(columns), targetColumn, seed });
const column = (profile: DatasetProfile, name: string): FeatureProfile => [...profile.features, profile.target].find((f) => f?.name === name)!;
const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('computeDatasetProfile, numeric columns', () => {
  const profile = profileOf({ x: range(100), label: range(100).map((i) => (i % 2 ? 'odd' : 'even')) });
  const x = column(profile, 'x');

  it('counts, and gives min, max, mean and the population standard deviation', () => {
    expect(x).toMatchObject({ kind: 'numeric', count: 100, missing: 0, min: 1, max: 100, mean: 50.5 });
    expect(x.std).toBeCloseTo(Math.sqrt((100 * 100 - 1) / 12), 10);
  });

  it('cuts 10 quantile bins at the 10th to 90th percentiles, each holding a tenth', () => {
    expect(x.bin_edges).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(x.bin_proportions).toEqual(Array(10).fill(0.1));
  });

  it('merges equal edges, so a column of few values gets few bins, open at both ends', () => {
    const flags = column(profileOf({ flag: [0, 0, 0, 0, 0, 0, 1, 1, 1, 1], label: range(10) }), 'flag');
    expect(flags.bin_edges).toEqual([0, 1]);
    expect(flags.bin_proportions).toEqual([0.6, 0.4, 0]);
  });

  it('keeps value frequencies for a numeric column whose values repeat, as codes and labels do', () => {
    expect(column(profileOf({ code: [3, 1, 3, 3.0, 2, 1], label: range(6) }), 'code').categories).toEqual({ 3: 0.5, 1: 1 / 3, 2: 1 / 6 });
  });

  it.each([
    ['more than 50 distinct values', range(200).map((i) => i % 51)],
    ['values mostly seen once', [1, 2, 3, 4, 4]],
  ])('keeps no value frequencies for a numeric column of %s', (_label, values) => {
    expect(column(profileOf({ v: values, label: values.map(() => 'a') }), 'v').categories).toBeNull();
  });

  it.each([
    ['signs, exponents and bare decimals', ['-2.5', '1e3', '+.5', ' 7 '], 'numeric'],
    ['a word among numbers', ['1', '2', 'three'], 'categorical'],
    ['infinity', ['1', 'inf'], 'categorical'],
    ['a number past the float range', ['1', '1e999'], 'categorical'],
  ])('reads %s as %s', (_label, values, kind) => {
    expect(column(profileOf({ v: values, label: values.map(() => 'a') }), 'v').kind).toBe(kind);
  });
});

describe('computeDatasetProfile, categorical columns', () => {
  it('gives the share of each value, commonest first, and no numeric statistics', () => {
    const color = column(profileOf({ color: ['red', 'blue', 'red', 'green', 'red', 'blue'], label: range(6) }), 'color');
    expect(color).toMatchObject({ kind: 'categorical', count: 6, min: null, max: null, mean: null, std: null, bin_edges: [], bin_proportions: [] });
    expect(Object.entries(color.categories!)).toEqual([
      ['red', 0.5],
      ['blue', 2 / 6],
      ['green', 1 / 6],
    ]);
  });

  it(`keeps the ${PROFILE_LIMITS.categories} commonest values and sums the rest as ${OTHER_CATEGORY}`, () => {
    const values = [...range(60).map((i) => `c${i}`), ...Array(40).fill('c1')];
    const city = column(profileOf({ city: values, label: values.map(() => 'a') }), 'city');
    expect(Object.keys(city.categories!)).toHaveLength(PROFILE_LIMITS.categories + 1);
    expect(city.categories!.c1).toBeCloseTo(0.41, 10);
    expect(city.categories![OTHER_CATEGORY]).toBeCloseTo(0.1, 10);
    expect(sum(Object.values(city.categories!))).toBeCloseTo(1, 10);
  });
});

describe('computeDatasetProfile, missing values', () => {
  it('counts empty cells and NA markers as missing and leaves them out of every statistic', () => {
    const x = column(profileOf({ x: ['1', '', 'NA', 'nan', ' null ', 'None', 'N/A', '3'], label: range(8) }), 'x');
    expect(x).toMatchObject({ kind: 'numeric', count: 2, missing: 6, min: 1, max: 3, mean: 2, std: 1 });
    expect(x.sample).toEqual([1, 3]);
    expect(sum(x.bin_proportions)).toBeCloseTo(1, 10);
  });

  it('profiles a column with nothing present as categorical and empty', () => {
    expect(column(profileOf({ x: ['', 'NA'], label: range(2) }), 'x')).toMatchObject({ kind: 'categorical', count: 0, missing: 2, sample: [], categories: {} });
  });
});

describe('computeDatasetProfile, the target and the layout', () => {
  const profile = profileOf({ b: [1, 2], label: ['yes', 'no'], a: [3, 4] });

  it('profiles the target apart and keeps the features in header order', () => {
    expect(profile.features.map((f) => f.name)).toEqual(['b', 'a']);
    expect(profile.target).toMatchObject({ name: 'label', kind: 'categorical', categories: { no: 0.5, yes: 0.5 } });
    expect(profile).toMatchObject({ dataset: 'd', version: 'v', rows: 2 });
  });

  it('leaves the target out when the CSV has no such column', () => {
    expect(profileOf({ a: [1] }, 'label').target).toBeUndefined();
  });

  it('survives a JSON round trip through its schema unchanged', () => {
    expect(DatasetProfile.parse(JSON.parse(JSON.stringify(profile)))).toEqual(profile);
  });
});

describe('computeDatasetProfile, samples', () => {
  const rows = range(5000);
  const big = (seed: number) => profileOf({ x: rows, twice: rows.map((i) => i * 2), label: rows.map((i) => `c${i % 3}`) }, 'label', seed);

  it(`keeps at most ${PROFILE_LIMITS.sample} values, each from the column, in row order`, () => {
    const sample = column(big(0), 'x').sample as number[];
    expect(sample).toHaveLength(PROFILE_LIMITS.sample);
    expect(sample).toEqual([...sample].sort((a, b) => a - b));
    expect(new Set(sample).size).toBe(PROFILE_LIMITS.sample);
    expect(sample.every((v) => Number.isInteger(v) && v >= 1 && v <= 5000)).toBe(true);
  });

  it('keeps every value of a column shorter than the bound', () => {
    expect(column(profileOf({ x: [5, 3, 4], label: range(3) }), 'x').sample).toEqual([5, 3, 4]);
  });

  it('is deterministic: the same rows and seed give the same profile, another seed other samples', () => {
    expect(big(0)).toEqual(big(0));
    expect(column(big(1), 'x').sample).not.toEqual(column(big(0), 'x').sample);
    expect(column(big(1), 'x').mean).toBe(column(big(0), 'x').mean);
  });

  it('samples the same rows in every column without missing values', () => {
    const profile = big(0);
    expect(column(profile, 'twice').sample).toEqual((column(profile, 'x').sample as number[]).map((v) => v * 2));
  });
});
