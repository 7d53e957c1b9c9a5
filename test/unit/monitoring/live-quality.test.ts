import { describe, expect, it } from 'vitest';
import { liveQuality, MAX_INTEGER_CLASSES } from '../../../core/monitoring/live-quality.js';

const pairs = (rows: [unknown, unknown][]) => rows.map(([prediction, label]) => ({ prediction, label }));

describe('liveQuality on classes', () => {
  it('gives accuracy and macro F1 for string labels', () => {
    // cat: TP 2, predicted 3, actual 2 → F1 0.8; dog: TP 1, predicted 1, actual 2 → F1 2/3.
    const quality = liveQuality(
      pairs([
        ['cat', 'cat'],
        ['cat', 'cat'],
        ['cat', 'dog'],
        ['dog', 'dog'],
      ]),
    );
    expect(quality).toMatchObject({ task: 'classification', samples: 4, accuracy: 0.75, classes: ['cat', 'dog'] });
    expect(quality.task === 'classification' && quality.macro_f1).toBeCloseTo((0.8 + 2 / 3) / 2, 12);
  });

  it('reads a few distinct integers (0/1) as classes, not a regression', () => {
    const quality = liveQuality(
      pairs([
        [1, 1],
        [0, 0],
        [1, 0],
        [0, 0],
      ]),
    );
    expect(quality).toMatchObject({ task: 'classification', accuracy: 0.75, classes: ['0', '1'] });
  });

  it('gives a class that is never predicted an F1 of 0 (an always-the-same-class model scores low)', () => {
    const quality = liveQuality(
      pairs([
        [1, 1],
        [1, 0],
        [1, 0],
        [1, 1],
      ]),
    );
    expect(quality).toMatchObject({ task: 'classification', accuracy: 0.5 });
    expect(quality.task === 'classification' && quality.macro_f1).toBeCloseTo((2 / 3 + 0) / 2, 12);
  });

  it('treats booleans as classes', () => {
    expect(
      liveQuality(
        pairs([
          [true, true],
          [false, true],
        ]),
      ),
    ).toMatchObject({ task: 'classification', accuracy: 0.5, classes: ['false', 'true'] });
  });
});

describe('liveQuality on quantities', () => {
  it('gives RMSE and MAE for real numbers', () => {
    const quality = liveQuality(
      pairs([
        [2.5, 2],
        [1, 2],
        [3, 3],
      ]),
    );
    expect(quality.task).toBe('regression');
    if (quality.task !== 'regression') return;
    expect(quality.samples).toBe(3);
    expect(quality.mae).toBeCloseTo(0.5, 12);
    expect(quality.rmse).toBeCloseTo(Math.sqrt((0.25 + 1) / 3), 12);
  });

  it('reads integers taking more than MAX_INTEGER_CLASSES values as a regression', () => {
    const rows: [number, number][] = Array.from({ length: MAX_INTEGER_CLASSES + 1 }, (_, i) => [i, i + 1]);
    expect(liveQuality(pairs(rows))).toMatchObject({ task: 'regression', mae: 1, rmse: 1 });
  });
});

describe('liveQuality without comparable labels', () => {
  it('reports no quality for an empty window, and leaves out labels or predictions that are not scalars', () => {
    expect(liveQuality([])).toEqual({ task: 'unknown', samples: 0 });
    expect(
      liveQuality(
        pairs([
          [null, 1],
          [[0.2, 0.8], 1],
          [1, Number.NaN],
        ]),
      ),
    ).toEqual({ task: 'unknown', samples: 0 });
    expect(
      liveQuality(
        pairs([
          [null, 1],
          ['a', 'a'],
        ]),
      ),
    ).toMatchObject({ task: 'classification', samples: 1, accuracy: 1 });
  });
});
