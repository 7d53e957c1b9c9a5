import { randomInt, seededRandom } from './seeded-random.js';

/** How rows are divided; mirrors `DatasetSpec.split` plus the target column. */
export interface SplitParams {
  test_fraction: number;
  seed: number;
  stratify: boolean;
}

/** Each row's label as a small integer: `codes[row]` indexes `labels`. Rows in file order. */
export interface LabelCodes {
  codes: Uint8Array | Uint16Array | Uint32Array;
  labels: readonly string[];
}

/**
 * Deterministic seeded train/test split: `flags[row]` is 1 for a test row. Pure (no Node built-ins).
 *
 * Stratified: rows are grouped by label; each group (in sorted label order, so the random
 * stream is consumed the same way whatever the row order) is Fisher-Yates shuffled and its first
 * round(test_fraction × size) rows go to test, at least one and at most size − 1 when the group
 * has two or more rows; a single-row group stays in train.
 * Not stratified: all rows are shuffled once, same rounding and bounds.
 *
 * This is the split Kiln always made, on row indices held in one typed array (4 bytes a row)
 * instead of arrays of numbers, so a file of millions of rows splits in little memory.
 */
export function splitFlags({ codes, labels }: LabelCodes, params: SplitParams): Uint8Array {
  const rows = codes.length;
  const order = new Uint32Array(rows);
  const groups: [start: number, end: number][] = [];
  if (params.stratify) {
    // A counting sort: each label's rows side by side, ascending, labels in sorted order.
    const sizes = new Uint32Array(labels.length);
    for (let row = 0; row < rows; row++) sizes[codes[row] as number]! += 1;
    const next = new Uint32Array(labels.length);
    let start = 0;
    for (const code of sortedCodes(labels)) {
      next[code] = start;
      groups.push([start, start + (sizes[code] as number)]);
      start += sizes[code] as number;
    }
    for (let row = 0; row < rows; row++) order[next[codes[row] as number]!++] = row;
  } else {
    for (let row = 0; row < rows; row++) order[row] = row;
    groups.push([0, rows]);
  }

  const random = seededRandom(params.seed);
  const flags = new Uint8Array(rows);
  for (const [start, end] of groups) {
    const size = end - start;
    for (let i = size - 1; i > 0; i--) {
      const j = randomInt(random, i + 1);
      const held = order[start + i] as number;
      order[start + i] = order[start + j] as number;
      order[start + j] = held;
    }
    for (let i = 0; i < testCount(size, params.test_fraction); i++) flags[order[start + i] as number] = 1;
  }
  return flags;
}

function testCount(size: number, fraction: number): number {
  if (size < 2) return 0;
  return Math.min(size - 1, Math.max(1, Math.round(fraction * size)));
}

function sortedCodes(labels: readonly string[]): number[] {
  return labels.map((_, code) => code).sort((a, b) => compareStrings(labels[a] as string, labels[b] as string));
}

/** Code-unit order, independent of locale, so every machine sorts labels alike. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Rows per label on each side, keys in sorted order, as the manifest records them. */
export function countLabels({ codes, labels }: LabelCodes, flags: Uint8Array): { train: Record<string, number>; test: Record<string, number> } {
  const counts = [new Float64Array(labels.length), new Float64Array(labels.length)] as const;
  for (let row = 0; row < codes.length; row++) counts[flags[row] as 0 | 1][codes[row] as number]! += 1;
  const side = (perCode: Float64Array) =>
    Object.fromEntries(
      sortedCodes(labels)
        .filter((code) => (perCode[code] as number) > 0)
        .map((code) => [labels[code] as string, perCode[code] as number]),
    );
  return { train: side(counts[0]), test: side(counts[1]) };
}
