import { randomInt, seededRandom } from '../datasets/seeded-random.js';
import { type CellValue, categoryKey, numericValue, OTHER_CATEGORY } from './cell-values.js';
import type { CategoricalFeatureProfile, DatasetProfile, FeatureProfile, NumericFeatureProfile } from './feature-profile.js';
import { binShares, quantileBinEdges } from './quantile-bins.js';

/** How columns are profiled; every field but the dataset and version has a default. */
export interface ProfileOptions {
  dataset: string;
  version: string;
  /** The column the model predicts: profiled as `target`, not among the features. */
  target?: string;
  /** Equal-frequency bins per numeric column. Default 10. */
  bins?: number;
  /** Reference values kept per numeric column for KS. Default 1,000. */
  sampleSize?: number;
  /** Seeds the sample: the same columns and seed give the same profile. Default 0. */
  seed?: number;
  /** Categories kept by name; the rest are counted under `__other__`. Default 20. */
  topCategories?: number;
  /** A column of numbers with at most this many distinct values is categorical (a label, a rating). Default 10. */
  maxCategoricalLevels?: number;
}

/** ProfileOptions of one column, defaults applied. */
export type ColumnSettings = Required<Omit<ProfileOptions, 'dataset' | 'version' | 'target'>>;
const DEFAULTS: ColumnSettings = { bins: 10, sampleSize: 1000, seed: 0, topCategories: 20, maxCategoricalLevels: 10 };

/** Columns that are not one table (of unequal lengths), or a target that is not among them; `column` names the culprit. */
export class ProfileInputError extends Error {
  override readonly name = 'ProfileInputError';
  constructor(
    readonly column: string,
    message: string,
  ) {
    super(`column "${column}": ${message}`);
  }
}

/**
 * A dataset's reference profile from its columns (name → cells as read from the CSV, in
 * header order). Pure and deterministic, so the same data always gives the same profile.
 */
export function profileColumns(columns: Readonly<Record<string, readonly CellValue[]>>, options: ProfileOptions): DatasetProfile {
  const settings = columnSettings(options);
  const names = Object.keys(columns);
  const rows = names.length ? (columns[names[0] as string] as readonly CellValue[]).length : 0;
  for (const name of names) {
    const length = (columns[name] as readonly CellValue[]).length;
    if (length !== rows) throw new ProfileInputError(name, `has ${length} cells where the first column has ${rows}`);
  }
  if (options.target !== undefined && !Object.hasOwn(columns, options.target)) throw new ProfileInputError(options.target, 'is the target but not a column');
  const profile = (name: string) => profileColumn(name, columns[name] as readonly CellValue[], settings);
  return {
    dataset: options.dataset,
    version: options.version,
    rows,
    features: names.filter((name) => name !== options.target).map(profile),
    ...(options.target === undefined ? {} : { target: profile(options.target) }),
  };
}

/** One column's profile: numeric when every present cell is a number and they take more than `maxCategoricalLevels` values. */
function profileColumn(name: string, cells: readonly CellValue[], settings: ColumnSettings): FeatureProfile {
  const numbers: number[] = [];
  const keys: string[] = [];
  for (const cell of cells) {
    const key = categoryKey(cell);
    if (key === undefined) continue;
    keys.push(key);
    const number = numericValue(cell);
    if (number !== undefined) numbers.push(number);
  }
  const missing = cells.length - keys.length;
  const numeric = numbers.length === keys.length && new Set(numbers).size > settings.maxCategoricalLevels;
  return numeric ? numericProfile(name, numbers, missing, settings) : categoricalProfile(name, keys, missing, settings);
}

/** The options' column settings, defaults applied. */
export function columnSettings(options: ProfileOptions): ColumnSettings {
  return { ...DEFAULTS, ...definedOnly(options) };
}

/** A numeric column's profile from its present values (any order) and how many cells were missing. */
export function numericProfile(name: string, values: readonly number[], missing: number, settings: ColumnSettings): NumericFeatureProfile {
  // A typed array sorts numbers without calling back into JavaScript, several times faster; it puts
  // -0 before 0 where a comparator keeps their order, which nothing below can tell (both print as 0).
  const sorted = Array.from(Float64Array.from(values).sort());
  const mean = sorted.reduce((sum, v) => sum + v, 0) / sorted.length;
  const squares = sorted.reduce((sum, v) => sum + (v - mean) * (v - mean), 0);
  const edges = quantileBinEdges(sorted, settings.bins);
  return {
    name,
    kind: 'numeric',
    count: sorted.length,
    missing,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    mean,
    std: sorted.length > 1 ? Math.sqrt(squares / (sorted.length - 1)) : 0,
    bin_edges: edges,
    bin_proportions: binShares(edges, sorted),
    // Drawn from the sorted values, so the sample does not depend on the order of the rows either.
    sample: seededSample(sorted, settings.sampleSize, settings.seed).sort((a, b) => a - b),
  };
}

function categoricalProfile(name: string, keys: string[], missing: number, settings: ColumnSettings): CategoricalFeatureProfile {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return categoricalFromCounts(name, counts, missing, settings);
}

/** A categorical column's profile from the count of each category (any order) and how many cells were missing. */
export function categoricalFromCounts(name: string, counts: ReadonlyMap<string, number>, missing: number, settings: ColumnSettings): CategoricalFeatureProfile {
  let present = 0;
  for (const count of counts.values()) present += count;
  // Most frequent first, ties in code-unit order, so the kept categories never depend on row order.
  const ranked = [...counts.entries()].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  const kept = ranked.slice(0, settings.topCategories);
  const rest = ranked.slice(settings.topCategories).reduce((sum, [, count]) => sum + count, 0);
  // A category literally named "__other__" shares the bucket: it cannot be told apart from it anyway.
  const other = rest + (kept.find(([key]) => key === OTHER_CATEGORY)?.[1] ?? 0);
  const named = kept.filter(([key]) => key !== OTHER_CATEGORY);
  // fromEntries makes own properties, so a category named "__proto__" is kept, not taken as the prototype.
  const frequencies = Object.fromEntries([...named, ...(other > 0 ? [[OTHER_CATEGORY, other] as const] : [])].map(([key, count]) => [key, count / present]));
  return { name, kind: 'categorical', count: present, missing, distinct: counts.size, frequencies };
}

/** `size` values drawn without replacement by a partial Fisher-Yates shuffle; all of them when there are fewer. */
function seededSample(values: readonly number[], size: number, seed: number): number[] {
  if (values.length <= size) return [...values];
  const random = seededRandom(seed);
  const pool = [...values];
  for (let i = 0; i < size; i++) {
    const j = i + randomInt(random, pool.length - i);
    [pool[i], pool[j]] = [pool[j] as number, pool[i] as number];
  }
  return pool.slice(0, size);
}

function definedOnly(options: ProfileOptions): Partial<ColumnSettings> {
  return Object.fromEntries(Object.entries(options).filter(([key, value]) => value !== undefined && key in DEFAULTS));
}
