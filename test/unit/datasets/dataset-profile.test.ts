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

  it('counts, and gives min, max, mean and the sample standard deviation', () => {
    expect(x).toMatchObject({ kind: 'numeric', count: 100, missing: 0, min: 1, max: 100, mean: 50.5, categories: null });
    expect(x.std).toBeCloseTo(Math.sqrt((100 * 101) / 12), 10);
  });

  it('cuts 10 equal-frequency bins between the minimum and the maximum, each holding a tenth', () => {
    expect(x.bin_edges).toEqual([1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(x.bin_proportions).toEqual(Array(10).fill(0.1));
  });

  it('merges equal percentiles, giving a heavy minimum a bin of its own', () => {
    const zeros = column(profileOf({ v: [...Array(50).fill(0), ...range(50)], label: range(100) }), 'v');
    expect(zeros.bin_edges).toEqual([0, 0, 10, 20, 30, 40, 50]);
    expect(zeros.bin_proportions).toEqual([0.5, 0.1, 0.1, 0.1, 0.1, 0.1]);
  });

  it.each([
    ['signs, exponents and bare decimals', ['-2.5', '1e3', '+.5', ' 7 '], 'numeric'],
    ['a word among numbers', ['three'], 'categorical'],
    ['infinity', ['inf'], 'categorical'],
    ['a hexadecimal number', ['0x1f'], 'categorical'],
    ['a number past the float range', ['1e999'], 'categorical'],
  ])('reads 11 numbers and %s as %s', (_label, values, kind) => {
    const cells = [...range(11).map(String), ...values];
    expect(column(profileOf({ v: cells, label: cells.map(() => 'a') }), 'v').kind).toBe(kind);
  });

  it('reads numbers of at most 10 distinct values as categories, "3.0" and "3" as one', () => {
    const code = column(profileOf({ code: [3, 1, 3, '3.0', 2, 1], label: range(6) }), 'code');
    expect(code).toMatchObject({ kind: 'categorical', mean: null, bin_edges: [], sample: [], categories: { 3: 0.5, 1: 1 / 3, 2: 1 / 6 } });
  });
});

describe('computeDatasetProfile, categorical columns', () => {
  it('gives the share of each value, commonest first, and no numeric statistics or sample', () => {
    const color = column(profileOf({ color: ['red', 'blue', ' red', 'green', 'red ', 'blue'], label: range(6) }), 'color');
    expect(color).toMatchObject({ kind: 'categorical', count: 6, min: null, max: null, mean: null, std: null, bin_edges: [], bin_proportions: [], sample: [] });
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

  it(`counts a value named ${OTHER_CATEGORY} in that bucket`, () => {
    const odd = column(profileOf({ v: [OTHER_CATEGORY, 'b', 'b', 'a'], label: range(4) }), 'v');
    expect(odd.categories).toEqual({ b: 0.5, a: 0.25, [OTHER_CATEGORY]: 0.25 });
  });
});

describe('computeDatasetProfile, missing values', () => {
  it('counts empty cells and NA markers as missing and leaves them out of every statistic', () => {
    const markers = ['', 'NA', 'nan', ' null ', 'None', 'N/A', '?', '<NA>', '#N/A'];
    const x = column(profileOf({ x: [...range(11).map(String), ...markers], label: range(20) }), 'x');
    expect(x).toMatchObject({ kind: 'numeric', count: 11, missing: markers.length, min: 1, max: 11, mean: 6, sample: range(11) });
    expect(sum(x.bin_proportions)).toBeCloseTo(1, 10);
  });

  it('profiles a column with nothing present as categorical and empty', () => {
    expect(column(profileOf({ x: ['', 'NA'], label: range(2) }), 'x')).toMatchObject({ kind: 'categorical', count: 0, missing: 2, categories: {} });
  });
});

describe('computeDatasetProfile, the target and the layout', () => {
  const profile = profileOf({ b: [1, 2], label: ['yes', 'no'], a: [3, 4] });

  it('profiles the target apart and keeps the features in header order', () => {
    expect(profile.features.map((f) => f.name)).toEqual(['b', 'a']);
    expect(profile.target).toMatchObject({ name: 'label', kind: 'categorical', categories: { no: 0.5, yes: 0.5 } });
    expect(profile).toMatchObject({ dataset: 'd', version: 'v', rows: 2 });
  });

  it('keeps the header order of columns named like numbers', () => {
    expect(profileOf({ 10: [1], 2: [1], label: [1] }).features.map((f) => f.name)).toEqual(['2', '10']);
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
  const big = (seed: number, order = rows) => profileOf({ x: order, label: order.map((i) => `c${i % 3}`) }, 'label', seed);

  it(`keeps at most ${PROFILE_LIMITS.sample} distinct draws of the column's values, ascending`, () => {
    const sample = column(big(0), 'x').sample;
    expect(sample).toHaveLength(PROFILE_LIMITS.sample);
    expect(sample).toEqual([...sample].sort((a, b) => a - b));
    expect(new Set(sample).size).toBe(PROFILE_LIMITS.sample);
    expect(sample.every((v) => Number.isInteger(v) && v >= 1 && v <= 5000)).toBe(true);
  });

  it('keeps every value of a column shorter than the bound', () => {
    expect(column(profileOf({ x: range(12).reverse(), label: range(12) }), 'x').sample).toEqual(range(12));
  });

  it('is deterministic: the same values and seed give the same profile whatever the row order, another seed another sample', () => {
    expect(big(0)).toEqual(big(0));
    expect(big(0, [...rows].reverse())).toEqual(big(0));
    expect(column(big(1), 'x').sample).not.toEqual(column(big(0), 'x').sample);
    expect(column(big(1), 'x').mean).toBe(column(big(0), 'x').mean);
  });
});
