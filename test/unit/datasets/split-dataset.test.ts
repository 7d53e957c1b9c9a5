/**
 * splitFlags draws the split Kiln always drew: compared with the old array-based splitRows on
 * random label columns (few and many classes, single-row classes, stratified or not).
 */
import { describe, expect, it } from 'vitest';
import { countLabels, splitFlags } from '../../../core/datasets/split-dataset.js';
import { legacySplitRows } from './legacy-split-rows.js';

function lcg(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
}

/** Labels as codes, the way the dataset reader collects them: codes in order of first appearance. */
function codesOf(labels: readonly string[]) {
  const byLabel = new Map<string, number>();
  const codes = new Uint8Array(labels.length);
  labels.forEach((label, row) => {
    if (!byLabel.has(label)) byLabel.set(label, byLabel.size);
    codes[row] = byLabel.get(label)!;
  });
  return { codes, labels: [...byLabel.keys()] };
}

describe('splitFlags', () => {
  it('puts the same rows in test as the old split, for any labels, seed and fraction', () => {
    const next = lcg(2026);
    for (let trial = 0; trial < 400; trial++) {
      const classes = ['a', 'b', 'B', '10', '9', '__proto__', 'é', ''].slice(0, 1 + next(8));
      const labels = Array.from({ length: 2 + next(300) }, () => classes[next(next(2) ? classes.length : 1 + next(classes.length))]!);
      const params = { test_fraction: [0.1, 0.2, 0.25, 0.5, 0.9][next(5)]!, seed: next(1_000_000), stratify: next(3) > 0 };
      const flags = splitFlags(codesOf(labels), params);
      const legacy = legacySplitRows(labels, params);
      expect(
        [...flags].flatMap((flag, row) => (flag ? [row] : [])),
        JSON.stringify(params),
      ).toEqual(legacy.test);
    }
  });

  it('counts each side per label in sorted order, as the manifest records them', () => {
    const labels = codesOf(['b', 'a', 'b', '__proto__', 'a', 'b']);
    const flags = Uint8Array.from([1, 0, 0, 0, 1, 0]);
    const counts = countLabels(labels, flags);
    expect(JSON.stringify(counts)).toBe('{"train":{"__proto__":1,"a":1,"b":2},"test":{"a":1,"b":1}}');
  });

  it('splits a million rows with typed arrays only', () => {
    const codes = new Uint8Array(1_000_000).map((_, row) => (row * 7) % 3);
    const flags = splitFlags({ codes, labels: ['x', 'y', 'z'] }, { test_fraction: 0.2, seed: 1, stratify: true });
    // round(0.2 × 333,334) + 2 × round(0.2 × 333,333): each class rounds on its own.
    expect(flags.reduce((sum, flag) => sum + flag, 0)).toBe(200_001);
  });
});
