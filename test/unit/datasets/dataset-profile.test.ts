/**
 * A dataset version's profile from its CSV: how columns reach profileColumns (whose statistics
 * test/unit/monitoring/profile-columns.test.ts covers) and what the stored profile looks like.
 */
import { describe, expect, it } from 'vitest';
import { computeDatasetProfile, DatasetProfile } from '../../../core/datasets/dataset-profile.js';

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
