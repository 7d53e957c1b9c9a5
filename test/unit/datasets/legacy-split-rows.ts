/** The seeded split Kiln used before datasets were streamed (core/datasets/split-dataset.ts at a171e81), kept as the oracle of splitFlags. */
import { seededRandom, shuffled } from '../../../core/datasets/seeded-random.js';
import type { SplitParams } from '../../../core/datasets/split-dataset.js';

export function legacySplitRows(labels: readonly string[], params: SplitParams): { train: number[]; test: number[] } {
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

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
