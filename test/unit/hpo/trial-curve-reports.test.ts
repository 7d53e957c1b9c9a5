import { describe, expect, it } from 'vitest';
import { CurveReportPacing, MAX_CURVE_REPORTS, MIN_REPORT_INTERVAL_MS } from '../../../core/hpo/curve-report-pacing.js';
import { mergePoints, seriesOf } from '../../../core/hpo/trial-curve.js';

/** Reports a stage with new points every `everyMs` would send over `forMs`. */
function reportsOver(forMs: number, everyMs: number): number {
  const pacing = new CurveReportPacing(0);
  for (let now = 0; now <= forMs; now += everyMs) if (pacing.mayReport(now)) pacing.reported(now);
  if (pacing.mayReportFinal()) pacing.reported(forMs, true);
  return pacing.reports;
}

describe('curve report pacing', () => {
  it('reports at once, then no more often than every 2 s while the stage is young', () => {
    const pacing = new CurveReportPacing(0);
    expect(pacing.mayReport(0)).toBe(true);
    pacing.reported(0);
    expect(pacing.mayReport(MIN_REPORT_INTERVAL_MS - 1)).toBe(false);
    expect(pacing.mayReport(MIN_REPORT_INTERVAL_MS)).toBe(true);
  });

  it('spaces reports by an eighth of the time run: a stage 80 s old waits 10 s', () => {
    const pacing = new CurveReportPacing(0);
    pacing.reported(70_000);
    expect(pacing.mayReport(79_999)).toBe(false);
    expect(pacing.mayReport(80_000)).toBe(true);
  });

  it('a stage logging a point every 100 ms sends a bounded number of reports however long it runs', () => {
    // 600 points in a minute, 36,000 in an hour: the reports grow with the log of the time run.
    const minute = reportsOver(60_000, 100);
    const hour = reportsOver(3_600_000, 100);
    const day = reportsOver(24 * 3_600_000, 1_000);
    const week = reportsOver(7 * 24 * 3_600_000, 1_000);
    expect(minute).toBeLessThanOrEqual(20);
    expect(hour).toBeLessThanOrEqual(50);
    expect(day).toBeLessThanOrEqual(75);
    expect(week).toBeLessThanOrEqual(MAX_CURVE_REPORTS + 1);
    expect([minute < hour, hour < day, day < week]).toEqual([true, true, true]);
  });

  it('never sends more than MAX_CURVE_REPORTS, then one final report', () => {
    const pacing = new CurveReportPacing(0, 0);
    for (let i = 0; i < MAX_CURVE_REPORTS * 2; i += 1) if (pacing.mayReport(0)) pacing.reported(0);
    expect(pacing.reports).toBe(MAX_CURVE_REPORTS);
    expect(pacing.mayReport(10 ** 12)).toBe(false);
    expect(pacing.mayReportFinal()).toBe(true);
    pacing.reported(1, true);
    expect(pacing.mayReportFinal()).toBe(false);
    expect(pacing.reports).toBe(MAX_CURVE_REPORTS + 1);
  });
});

describe('trial curves', () => {
  it('merge by step: one value per step, the newest wins, sorted', () => {
    const merged = mergePoints(
      [
        { step: 3, value: 0.3 },
        { step: 1, value: 0.1 },
      ],
      [
        { step: 2, value: 0.2 },
        { step: 3, value: 0.35 },
      ],
    );
    expect(merged).toEqual([
      { step: 1, value: 0.1 },
      { step: 2, value: 0.2 },
      { step: 3, value: 0.35 },
    ]);
    expect(mergePoints(undefined, [])).toEqual([]);
  });

  it('early stopping reads the first stage in pipeline order that logged the metric', () => {
    const train = [{ step: 1, value: 0.5 }];
    const evaluate = [{ step: 1, value: 0.9 }];
    expect(seriesOf({ evaluate, train })).toBe(train);
    expect(seriesOf({ train: [], evaluate })).toBe(evaluate);
    expect(seriesOf(undefined)).toEqual([]);
  });
});
