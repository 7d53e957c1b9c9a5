import type { FeatureProfile } from './dataset-profile.js';
import { sampled, seededRandom } from './seeded-random.js';
import { compareStrings } from './split-dataset.js';

/** How much a profile keeps of a column; fixed, so the profiles of all versions compare. */
export const PROFILE_LIMITS = { bins: 10, sample: 1000, categories: 50 } as const;

/** The category that holds the share of every value beyond the commonest ones. */
export const OTHER_CATEGORY = '__other__';

/** Cells read as missing: empty, or a common NA marker in any case. */
const MISSING_MARKERS = new Set(['', 'na', 'n/a', 'nan', 'null', 'none']);
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function isMissing(cell: string): boolean {
  return MISSING_MARKERS.has(cell.trim().toLowerCase());
}

/**
 * The profile of one column's cells. It is numeric when every present cell is a finite number,
 * categorical otherwise. `seed` draws the sample: each column starts from it afresh, so columns
 * without missing cells sample the same rows.
 */
export function profileColumn(name: string, cells: readonly string[], seed: number): FeatureProfile {
  const present = cells.filter((cell) => !isMissing(cell));
  const missing = cells.length - present.length;
  const random = seededRandom(seed);
  const numbers = present.length > 0 ? numbersOf(present) : undefined;
  if (!numbers) {
    return {
      name,
      kind: 'categorical',
      count: present.length,
      missing,
      min: null,
      max: null,
      mean: null,
      std: null,
      bin_edges: [],
      bin_proportions: [],
      sample: sampled(present, PROFILE_LIMITS.sample, random),
      categories: frequencies(present),
    };
  }
  const sorted = Float64Array.from(numbers).sort();
  const edges = quantileEdges(sorted);
  const { mean, std } = moments(numbers);
  return {
    name,
    kind: 'numeric',
    count: numbers.length,
    missing,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    mean,
    std,
    bin_edges: edges,
    bin_proportions: binShares(sorted, edges),
    sample: sampled(numbers, PROFILE_LIMITS.sample, random),
    categories: isCoded(sorted) ? frequencies(numbers.map(String)) : null,
  };
}

function numbersOf(cells: readonly string[]): number[] | undefined {
  const numbers: number[] = [];
  for (const cell of cells) {
    const text = cell.trim();
    const value = Number(text);
    if (!NUMBER.test(text) || !Number.isFinite(value)) return undefined;
    numbers.push(value);
  }
  return numbers;
}

/**
 * The 10th to 90th percentiles (nearest rank, so each is a value of the column), equal ones
 * merged: a column of few distinct values gets fewer, wider bins.
 */
function quantileEdges(sorted: Float64Array): number[] {
  const edges: number[] = [];
  for (let k = 1; k < PROFILE_LIMITS.bins; k++) {
    // k·n is an integer, so the division is exact when it should be and the rank never rounds up by error.
    const edge = sorted[Math.max(0, Math.ceil((k * sorted.length) / PROFILE_LIMITS.bins) - 1)] as number;
    if (edges.at(-1) !== edge) edges.push(edge);
  }
  return edges;
}

/** Shares of the bins (-∞, e0], (e0, e1], …, (e_last, +∞): open at both ends, so any live value falls in one. */
function binShares(sorted: Float64Array, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  let bin = 0;
  for (const value of sorted) {
    while (bin < edges.length && value > (edges[bin] as number)) bin++;
    counts[bin] = (counts[bin] as number) + 1;
  }
  return counts.map((count) => count / sorted.length);
}

/** Mean and population standard deviation in one pass (Welford), stable for large values. */
function moments(values: readonly number[]): { mean: number; std: number } {
  let mean = 0;
  let squares = 0;
  values.forEach((value, i) => {
    const delta = value - mean;
    mean += delta / (i + 1);
    squares += delta * (value - mean);
  });
  return { mean, std: Math.sqrt(squares / values.length) };
}

/**
 * A class label or a code written as numbers (at most 50 distinct values, each seen twice on
 * average): its value frequencies say more than its bins. A few measurements, all distinct, are not.
 */
function isCoded(sorted: Float64Array): boolean {
  let distinct = 0;
  sorted.forEach((value, i) => {
    if (i === 0 || value !== sorted[i - 1]) distinct++;
  });
  return distinct <= PROFILE_LIMITS.categories && 2 * distinct <= sorted.length;
}

/** Share of each value, the commonest first (ties in code-unit order); the rest summed as `__other__`. */
function frequencies(values: readonly string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  const ranked = [...counts].sort(([a, m], [b, n]) => n - m || compareStrings(a, b));
  const shares = Object.fromEntries(ranked.slice(0, PROFILE_LIMITS.categories).map(([value, count]) => [value, count / values.length]));
  const rest = ranked.slice(PROFILE_LIMITS.categories).reduce((sum, [, count]) => sum + count, 0);
  if (rest > 0) shares[OTHER_CATEGORY] = (shares[OTHER_CATEGORY] ?? 0) + rest / values.length;
  return shares;
}
