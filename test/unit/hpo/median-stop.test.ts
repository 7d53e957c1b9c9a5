import { describe, expect, it } from 'vitest';
import { medianStop, type MetricSeries } from '../../../core/hpo/median-stop.js';

const series = (...values: number[]): MetricSeries => values.map((value, i) => ({ step: i + 1, value }));
const rule = { min_trials_required: 3, start_step: 1 };
const accuracy = { metric: 'accuracy', goal: 'maximize' as const };
const loss = { metric: 'loss', goal: 'minimize' as const };

// Five completed learning curves; their running averages at step 4 are 0.75, 0.8, 0.85, 0.9, 0.95.
const completed = [0.6, 0.65, 0.7, 0.75, 0.8].map((start) => series(start, start + 0.1, start + 0.2, start + 0.3, start + 0.3));

describe('median stopping rule', () => {
  it('stops a clearly worse trial, saying why', () => {
    expect(medianStop(accuracy, rule, series(0.4, 0.5, 0.55, 0.61), completed)).toEqual({
      stop: true,
      reason: 'accuracy 0.61 at step 4 is below the median 0.85 of 5 completed trials',
    });
  });

  it('never stops the best trial', () => {
    const best = series(0.8, 0.9, 0.95, 0.97, 0.99);
    for (let step = 1; step <= best.length; step++) expect(medianStop(accuracy, rule, best.slice(0, step), completed).stop).toBe(false);
  });

  it('judges by the best value so far, so one bad step does not stop a good trial', () => {
    expect(medianStop(accuracy, rule, series(0.7, 0.9, 0.95, 0.3), completed)).toMatchObject({ stop: false });
  });

  it('does not stop a trial that ties the median', () => {
    const flat = [series(0.5, 0.5), series(0.75, 0.75), series(1, 1)];
    expect(medianStop(accuracy, rule, series(0.25, 0.75), flat)).toEqual({
      stop: false,
      reason: 'accuracy 0.75 at step 2 is at or above the median 0.75 of 3 completed trials',
    });
  });

  it('compares the other way when minimizing', () => {
    // Running averages at step 3: 0.5333, 0.6, 0.6667.
    const losses = [0.2, 0.3, 0.4].map((end) => series(1, end + 0.2, end));
    expect(medianStop(loss, rule, series(1.2, 0.9, 0.8), losses)).toEqual({
      stop: true,
      reason: 'loss 0.8 at step 3 is above the median 0.6 of 3 completed trials',
    });
    expect(medianStop(loss, rule, series(1, 0.3, 0.25), losses).stop).toBe(false);
  });

  it('waits until min_trials_required completed trials reached the step', () => {
    const short = [series(0.9, 0.9), series(0.9, 0.9), ...completed.slice(0, 2)];
    expect(medianStop(accuracy, rule, series(0.1, 0.1, 0.1), short)).toEqual({
      stop: false,
      reason: '2 of the 3 completed trials required have reached step 3',
    });
    expect(medianStop(accuracy, rule, series(0.1, 0.1), short).stop).toBe(true);
  });

  it('never stops before start_step', () => {
    expect(medianStop(accuracy, { ...rule, start_step: 3 }, series(0.1, 0.1), completed)).toEqual({ stop: false, reason: 'step 2 is before start_step 3' });
    expect(medianStop(accuracy, { ...rule, start_step: 3 }, series(0.1, 0.1, 0.1), completed).stop).toBe(true);
  });

  it('does nothing before the first value', () => {
    expect(medianStop(accuracy, rule, [], completed)).toEqual({ stop: false, reason: 'no intermediate value reported yet' });
  });
});
