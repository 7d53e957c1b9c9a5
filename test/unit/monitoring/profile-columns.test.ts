import { describe, expect, it } from 'vitest';
import { OTHER_CATEGORY } from '../../../core/monitoring/cell-values.js';
import { DatasetProfile, FeatureProfile } from '../../../core/monitoring/feature-profile.js';
import { ProfileInputError, profileColumns } from '../../../core/monitoring/profile-columns.js';
import { categoryCells, normalCells } from './synthetic-columns.js';

const version = { dataset: 'breast-cancer', version: '0123456789abcdef' };
const profileOf = (cells: (string | null)[], options: Partial<Parameters<typeof profileColumns>[1]> = {}) =>
  profileColumns({ x: cells }, { ...version, ...options }).features[0] as FeatureProfile;
const numbered = (count: number, from = 1) => Array.from({ length: count }, (_, i) => String(from + i));

describe('profileColumns: numeric or categorical', () => {
  it.each([
    ['decimals with many values', normalCells(100, 1), 'numeric'],
    ['integers with more than 10 values', numbered(50), 'numeric'],
    ['integers with 10 values (a rating, a count of children)', numbered(10), 'categorical'],
    ['a 0/1 label', ['0', '1', '1', '0', '1'], 'categorical'],
    ['words', ['M', 'B', 'B', 'M'], 'categorical'],
    ['numbers mixed with words', [...numbered(50), 'many'], 'categorical'],
    ['hexadecimal-looking text', numbered(20).map((n) => `0x${n}`), 'categorical'],
    ['nothing but missing cells', ['', 'NA', null], 'categorical'],
  ])('reads %s as %s', (_label, cells, kind) => {
    expect(profileOf(cells).kind).toBe(kind);
  });

  it('lowers the categorical limit when told', () => {
    expect(profileOf(numbered(10), { maxCategoricalLevels: 5 }).kind).toBe('numeric');
  });
});

describe('profileColumns: missing cells', () => {
  it.each(['', ' ', 'NA', 'n/a', 'NaN', 'null', 'None', '<NA>', '#N/A', '?', null])('counts %j as missing', (cell) => {
    const profile = profileOf([...numbered(20), cell]);
    expect([profile.count, profile.missing, profile.kind]).toEqual([20, 1, 'numeric']);
  });

  it('leaves missing cells out of the categories', () => {
    expect(profileOf(['a', '', 'b', 'NA', 'a'])).toMatchObject({ count: 3, missing: 2, frequencies: { a: 2 / 3, b: 1 / 3 } });
  });
});

describe('profileColumns: numeric summary', () => {
  // NumPy 2.4.6: np.quantile(x, np.linspace(0, 1, 5), method='inverted_cdf'), np.mean(x), np.std(x, ddof=1).
  const x = ['3.2', '1.5', '7.7', '2.2', '9.1', '4.4', '4.4', '0.3', '5.8', '6.6', '8.0', '2.9', '1.1', '3.3'];

  it('has the bin edges, mean and standard deviation NumPy computes', () => {
    const profile = profileOf(x, { bins: 4 });
    if (profile.kind !== 'numeric') throw new Error('expected a numeric profile');
    expect(profile.bin_edges).toEqual([0.3, 2.2, 3.3, 6.6, 9.1]);
    expect(profile.bin_proportions).toEqual([4 / 14, 3 / 14, 4 / 14, 3 / 14]);
    expect(profile).toMatchObject({ min: 0.3, max: 9.1, count: 14, missing: 0 });
    expect(profile.mean).toBeCloseTo(4.321428571428571, 12);
    expect(profile.std).toBeCloseTo(2.752671030507969, 12);
  });

  it('cuts continuous values into 10 bins of a tenth each by default', () => {
    const profile = profileOf(normalCells(5000, 7));
    if (profile.kind !== 'numeric') throw new Error('expected a numeric profile');
    expect(profile.bin_edges).toHaveLength(11);
    for (const share of profile.bin_proportions) expect(share).toBeCloseTo(0.1, 3);
  });

  it('gives a heavy minimum a bin of its own and leaves no bin empty', () => {
    const profile = profileOf([...Array.from({ length: 60 }, () => '0'), ...numbered(40)]);
    if (profile.kind !== 'numeric') throw new Error('expected a numeric profile');
    expect(profile.bin_edges).toEqual([0, 0, 10, 20, 30, 40]);
    expect(profile.bin_proportions).toEqual([0.6, 0.1, 0.1, 0.1, 0.1]);
  });

  it('keeps a sorted, seeded sample of 1,000 of the values, or all of them when there are fewer', () => {
    const cells = normalCells(3000, 3);
    const profile = profileOf(cells);
    if (profile.kind !== 'numeric') throw new Error('expected a numeric profile');
    expect(profile.sample).toHaveLength(1000);
    expect(profile.sample).toEqual([...profile.sample].sort((a, b) => a - b));
    const values = new Set(cells.map(Number));
    expect(profile.sample.every((v) => values.has(v))).toBe(true);
    expect(profileOf(numbered(30))).toMatchObject({ sample: numbered(30).map(Number) });
  });
});

describe('profileColumns: categories', () => {
  it('keeps the 20 most frequent categories and counts the rest as __other__', () => {
    const shares = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`c${String(i).padStart(2, '0')}`, (25 - i) / 325]));
    const profile = profileOf(categoryCells(3250, 1, shares));
    if (profile.kind !== 'categorical') throw new Error('expected a categorical profile');
    expect(Object.keys(profile.frequencies)).toHaveLength(21);
    expect(profile.frequencies[OTHER_CATEGORY]).toBeCloseTo(15 / 325, 12);
    expect(profile.frequencies).not.toHaveProperty('c20');
    expect(profile.distinct).toBe(25);
    expect(Object.values(profile.frequencies).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('has no __other__ bucket when every category is kept', () => {
    expect(profileOf(['a', 'b', 'a'])).toMatchObject({ frequencies: { a: 2 / 3, b: 1 / 3 } });
    expect(profileOf(['a', 'b', 'a'])).not.toHaveProperty(['frequencies', OTHER_CATEGORY]);
  });

  it('writes numbers one way, so "1.0" and "1" are one category', () => {
    expect(profileOf(['1.0', '1', '0', ' 0.0 '])).toMatchObject({ frequencies: { 0: 0.5, 1: 0.5 } });
  });

  it('keeps a category named __proto__ as a category', () => {
    expect(Object.keys((profileOf(['__proto__', 'a']) as { frequencies: object }).frequencies).sort()).toEqual(['__proto__', 'a']);
  });
});

describe('profileColumns: the dataset profile', () => {
  const columns = { radius: normalCells(500, 1, 14, 3.5), texture: normalCells(500, 2, 19, 4.3), diagnosis: categoryCells(500, 3, { B: 0.6, M: 0.4 }) };

  it('profiles the target apart from the features, which keep their column order', () => {
    const profile = profileColumns(columns, { ...version, target: 'diagnosis' });
    expect(profile).toMatchObject({ ...version, rows: 500, target: { name: 'diagnosis', kind: 'categorical' } });
    expect(profile.features.map((f) => [f.name, f.kind])).toEqual([
      ['radius', 'numeric'],
      ['texture', 'numeric'],
    ]);
  });

  it('is a valid DatasetProfile that parses back to itself', () => {
    const profile = profileColumns(columns, { ...version, target: 'diagnosis' });
    expect(DatasetProfile.parse(JSON.parse(JSON.stringify(profile)))).toEqual(profile);
  });

  it('is the same for the same columns and seed, whatever the order of the rows', () => {
    const reversed = Object.fromEntries(Object.entries(columns).map(([name, cells]) => [name, [...cells].reverse()]));
    const profile = profileColumns(columns, { ...version, sampleSize: 100 });
    expect(profileColumns(columns, { ...version, sampleSize: 100 })).toEqual(profile);
    expect(profileColumns(reversed, { ...version, sampleSize: 100 })).toEqual(profile);
  });

  it('draws another sample from another seed, with the same bins', () => {
    const [first, second] = [1, 2].map((seed) => profileColumns(columns, { ...version, sampleSize: 100, seed }).features[0]);
    expect(first).not.toEqual(second);
    expect({ ...first, sample: [] }).toEqual({ ...second, sample: [] });
  });

  it('refuses columns of different lengths, naming the column', () => {
    const error = (() => {
      try {
        profileColumns({ a: ['1', '2'], b: ['1'] }, version);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ProfileInputError);
    expect(error).toMatchObject({ column: 'b', message: 'column "b": has 1 cells where the first column has 2' });
  });

  it('refuses a target that is not a column', () => {
    expect(() => profileColumns({ a: ['1'] }, { ...version, target: 'constructor' })).toThrow('column "constructor": is the target but not a column');
  });
});

describe('FeatureProfile schema', () => {
  const numeric = {
    name: 'x',
    kind: 'numeric',
    count: 3,
    missing: 0,
    min: 1,
    max: 3,
    mean: 2,
    std: 1,
    bin_edges: [1, 2, 3],
    bin_proportions: [2 / 3, 1 / 3],
    sample: [1, 2, 3],
  };

  it('accepts a consistent numeric profile', () => {
    expect(FeatureProfile.parse(numeric)).toEqual(numeric);
  });

  it.each([
    ['one share per bin', { ...numeric, bin_proportions: [1] }, 'bin_proportions'],
    ['ascending edges', { ...numeric, bin_edges: [1, 3, 2] }, 'bin_edges'],
    ['a known kind', { ...numeric, kind: 'text' }, 'kind'],
  ])('requires %s', (_label, input, path) => {
    expect(FeatureProfile.safeParse(input).error?.issues.map((issue) => issue.path.join('.'))).toEqual([path]);
  });
});
