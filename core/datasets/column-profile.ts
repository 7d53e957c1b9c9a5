import type { FeatureProfile } from './dataset-profile.js';
import { sampled, seededRandom } from './seeded-random.js';
import { compareStrings } from './split-dataset.js';

/** How much a profile keeps of a column; fixed, so the profiles of all versions compare. */
export const PROFILE_LIMITS = {
  bins: 10,
  sample: 1000,
  categories: 50,
  /** A column of numbers with at most this many distinct values is categorical: a class label, a rating, a code. */
  categoricalLevels: 10,
} as const;

/** The category that holds the share of every value beyond the commonest ones. */
export const OTHER_CATEGORY = '__other__';

/** Cells read as missing, trimmed and in any case: pandas' usual NA spellings, and "?" as UCI datasets write it. */
const MISSING_MARKERS = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '<na>', '#n/a', '?']);
/** A plain decimal number: `Number()` alone would also take "0x1f" and "Infinity". */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function isMissing(cell: string): boolean {
  return MISSING_MARKERS.has(cell.trim().toLowerCase());
}

/**
 * The profile of one column's cells: numeric when every present cell is a finite number and
 * they take more than 10 values, categorical otherwise. `seed` draws the sample.
 */
export function profileColumn(name: string, cells: readonly string[], seed: number): FeatureProfile {
  const keys: string[] = [];
  const numbers: number[] = [];
  for (const cell of cells) {
    if (isMissing(cell)) continue;
    const text = cell.trim();
    const number = DECIMAL.test(text) ? Number(text) : Number.NaN;
    // Numbers as JavaScript prints them, so "1.0" in a CSV and a logged 1 are one category.
    keys.push(Number.isFinite(number) ? String(number) : text);
    if (Number.isFinite(number)) numbers.push(number);
  }
  const missing = cells.length - keys.length;
  if (numbers.length < keys.length || new Set(numbers).size <= PROFILE_LIMITS.categoricalLevels) {
    const none = { min: null, max: null, mean: null, std: null, bin_edges: [], bin_proportions: [], sample: [] };
    return { name, kind: 'categorical', count: keys.length, missing, ...none, categories: frequencies(keys) };
  }
  const sorted = Float64Array.from(numbers).sort();
  const edges = quantileBinEdges(sorted);
  return {
    name,
    kind: 'numeric',
    count: sorted.length,
    missing,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    ...moments(sorted),
    bin_edges: edges,
    bin_proportions: binShares(sorted, edges),
    // Drawn from the sorted values, so the sample depends on the values, not on the order of the rows.
    sample: sampled([...sorted], PROFILE_LIMITS.sample, seededRandom(seed)),
    categories: null,
  };
}

/**
 * The minimum, the distinct 10th to 90th percentiles below the maximum, and the maximum: up to
 * 10 bins. Each inner edge is a value of the column (nearest rank, NumPy's `inverted_cdf`), so
 * no bin (previous edge, edge] is empty.
 */
function quantileBinEdges(sorted: Float64Array): number[] {
  const min = sorted[0] as number;
  const max = sorted[sorted.length - 1] as number;
  const inner: number[] = [];
  for (let k = 1; k < PROFILE_LIMITS.bins; k++) {
    // k·n is an integer, so the division is exact when it should be and the rank never rounds up by error.
    const edge = sorted[Math.ceil((k * sorted.length) / PROFILE_LIMITS.bins) - 1] as number;
    if (edge < max && edge !== inner.at(-1)) inner.push(edge);
  }
  return [min, ...inner, max];
}

/** Shares of the bins between the edges, closed on the right; the first and last reach to -∞ and +∞. */
function binShares(sorted: Float64Array, edges: readonly number[]): number[] {
  const counts = new Array<number>(Math.max(1, edges.length - 1)).fill(0);
  let bin = 0;
  for (const value of sorted) {
    while (bin < counts.length - 1 && value > (edges[bin + 1] as number)) bin++;
    counts[bin] = (counts[bin] as number) + 1;
  }
  return counts.map((count) => count / sorted.length);
}

/** Mean and sample standard deviation (n − 1, as pandas gives it) in one pass (Welford), stable for large values. */
function moments(values: Float64Array): { mean: number; std: number } {
  let mean = 0;
  let squares = 0;
  values.forEach((value, i) => {
    const delta = value - mean;
    mean += delta / (i + 1);
    squares += delta * (value - mean);
  });
  return { mean, std: values.length > 1 ? Math.sqrt(squares / (values.length - 1)) : 0 };
}

/** Share of each value, the commonest first (ties in code-unit order); the rest, and a value named `__other__`, as `__other__`. */
function frequencies(values: readonly string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  const ranked = [...counts].sort(([a, m], [b, n]) => n - m || compareStrings(a, b));
  const kept = ranked.slice(0, PROFILE_LIMITS.categories).filter(([value]) => value !== OTHER_CATEGORY);
  const other = values.length - kept.reduce((sum, [, count]) => sum + count, 0);
  return Object.fromEntries([...kept, ...(other > 0 ? [[OTHER_CATEGORY, other] as const] : [])].map(([value, count]) => [value, count / values.length]));
}
