import { describe, expect, it } from 'vitest';
import { compareToChampion, type ChampionComparison } from '../../../core/pipeline/champion-compare.js';

const rule = (direction: 'max' | 'min', min_delta = 0, metric = 'accuracy'): ChampionComparison => ({ metric, direction, min_delta });
const compare = (r: ChampionComparison, challenger: number, champion: number) => compareToChampion(r, { [r.metric]: challenger }, { [r.metric]: champion });

describe('compareToChampion with min_delta 0', () => {
  it.each([
    ['max', 'higher', 0.96, 0.95, true, '0.96 vs 0.95, needs higher accuracy'],
    ['max', 'tied', 0.95, 0.95, false, '0.95 vs 0.95, needs higher accuracy'],
    ['max', 'lower', 0.94, 0.95, false, '0.94 vs 0.95, needs higher accuracy'],
    ['min', 'lower', 0.2, 0.3, true, '0.2 vs 0.3, needs lower accuracy'],
    ['min', 'tied', 0.3, 0.3, false, '0.3 vs 0.3, needs lower accuracy'],
    ['min', 'higher', 0.4, 0.3, false, '0.4 vs 0.3, needs lower accuracy'],
  ] as const)('direction %s, challenger %s: wins = %s', (direction, _label, challenger, champion, challengerWins, detail) => {
    expect(compare(rule(direction), challenger, champion)).toEqual({ challengerWins, detail });
  });

  it('treats a difference of float rounding as a tie', () => {
    expect(compare(rule('max'), 0.5 + 1e-13, 0.5)).toMatchObject({ challengerWins: false });
  });
});

describe('compareToChampion with min_delta', () => {
  it.each([
    ['max', 'by more than min_delta', 0.97, 0.958, true, '0.97 vs 0.958, needs +0.005'],
    // 0.963 - 0.958 is 0.0050000000000000044 in floating point: exactly min_delta must still win.
    ['max', 'by exactly min_delta', 0.963, 0.958, true, '0.963 vs 0.958, needs +0.005'],
    ['max', 'by less than min_delta', 0.962, 0.958, false, '0.962 vs 0.958, needs +0.005'],
    ['max', 'not at all', 0.951, 0.958, false, '0.951 vs 0.958, needs +0.005'],
    ['max', 'tied', 0.958, 0.958, false, '0.958 vs 0.958, needs +0.005'],
    ['min', 'by exactly min_delta', 0.253, 0.258, true, '0.253 vs 0.258, needs -0.005'],
    ['min', 'by less than min_delta', 0.254, 0.258, false, '0.254 vs 0.258, needs -0.005'],
    ['min', 'not at all', 0.26, 0.258, false, '0.26 vs 0.258, needs -0.005'],
  ] as const)('direction %s, challenger better %s: wins = %s', (direction, _label, challenger, champion, challengerWins, detail) => {
    expect(compare(rule(direction, 0.005), challenger, champion)).toEqual({ challengerWins, detail });
  });

  // 0.7 - 0.6 is 0.09999999999999998: just under 0.1 in floating point.
  it.each([
    ['max', 0.7, 0.6],
    ['max', 0.8, 0.7],
    ['min', 0.3, 0.4],
  ] as const)('direction %s: %s vs %s wins by exactly 0.1', (direction, challenger, champion) => {
    expect(compare(rule(direction, 0.1), challenger, champion)).toMatchObject({ challengerWins: true });
  });
});

describe('compareToChampion detail', () => {
  it('rounds both values and min_delta to four significant digits', () => {
    expect(compare(rule('max', 0.012345), 0.987654321, 0.9712345)).toEqual({ challengerWins: true, detail: '0.9877 vs 0.9712, needs +0.01235' });
  });

  it('names the metric when any improvement wins', () => {
    expect(compare(rule('min', 0, 'log_loss'), 0.31, 0.3)).toEqual({ challengerWins: false, detail: '0.31 vs 0.3, needs lower log_loss' });
  });

  it('compares only the named metric, whatever else was logged', () => {
    expect(compareToChampion(rule('max'), { accuracy: 0.9, f1: 0.1 }, { accuracy: 0.8, f1: 0.99 })).toMatchObject({ challengerWins: true });
  });
});

describe('compareToChampion without a value to compare', () => {
  it.each([
    ["the challenger's metric is missing", {}, { accuracy: 0.9 }, 'the challenger\'s evaluation reported no "accuracy"'],
    ["the champion's metric is missing", { accuracy: 0.9 }, {}, 'the champion\'s evaluation reported no "accuracy"'],
    ['both are missing', { f1: 0.9 }, { f1: 0.8 }, 'the challenger\'s evaluation reported no "accuracy"'],
    ["the challenger's metric is NaN", { accuracy: Number.NaN }, { accuracy: 0.9 }, 'the challenger\'s evaluation reported no "accuracy"'],
    ["the champion's metric is infinite", { accuracy: 0.9 }, { accuracy: Number.POSITIVE_INFINITY }, 'the champion\'s evaluation reported no "accuracy"'],
  ])('is an error when %s', (_label, challenger, champion, error) => {
    expect(compareToChampion(rule('max'), challenger, champion)).toEqual({ error });
  });
});
