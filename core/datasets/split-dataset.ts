import { seededRandom, shuffled } from './seeded-random.js';

/** How rows are divided; mirrors `DatasetSpec.split` plus the target column. */
export interface SplitParams {
  test_fraction: number;
  seed: number;
  stratify: boolean;
}

export interface SplitResult {
  /** Row indices (into the data rows, header excluded), ascending. */
  train: number[];
  test: number[];
}

/**
 * Deterministic seeded train/test split. Pure (no Node built-ins) so workflows may use it.
 *
 * Stratified: rows are grouped by `labels[i]`; each group (in sorted label order, so the
 * random stream is consumed the same way whatever the row order) is shuffled and
 * round(test_fraction × size) rows go to test, at least one and at most size − 1 when the
 * group has two or more rows; a single-row group stays in train.
 * Not stratified: all rows are shuffled once, same rounding and bounds.
 * Both sides keep the original row order so the output bytes are stable.
 */
export function splitRows(labels: readonly string[], params: SplitParams): SplitResult {
  const random = seededRandom(params.seed);
  const groups = params.stratify ? groupByLabel(labels) : [labels.map((_, i) => i)];
  const test: number[] = [];
  for (const group of groups) {
    const order = shuffled(group, random);
    // A loop, not push(...spread): spreading a large group overflows the call stack.
    for (const i of order.slice(0, testCount(group.length, params.test_fraction))) test.push(i);
  }
  const inTest = new Set(test);
  return {
    train: labels.map((_, i) => i).filter((i) => !inTest.has(i)),
    test: test.sort((a, b) => a - b),
  };
}

function testCount(size: number, fraction: number): number {
  if (size < 2) return 0;
  return Math.min(size - 1, Math.max(1, Math.round(fraction * size)));
}

function groupByLabel(labels: readonly string[]): number[][] {
  const groups = new Map<string, number[]>();
  labels.forEach((label, i) => {
    const group = groups.get(label);
    if (group) group.push(i);
    else groups.set(label, [i]);
  });
  return [...groups.keys()].sort(compareStrings).map((label) => groups.get(label) as number[]);
}

/** Code-unit order, independent of locale, so every machine sorts labels alike. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Rows per label, keys in sorted order. */
export function countLabels(labels: readonly string[], indices: readonly number[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const i of indices) {
    const label = labels[i] as string;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return Object.fromEntries([...counts.entries()].sort(([a], [b]) => compareStrings(a, b)));
}
