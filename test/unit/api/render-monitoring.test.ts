import { describe, expect, it } from 'vitest';
import { renderMonitoring } from '../../../api/cli/render-monitoring.js';
import type { MonitoringView } from '../../../api/monitoring-service.js';
import type { MonitoringReport } from '../../../core/monitoring/report/monitoring-report.js';

const drift = (feature: string, change: Partial<MonitoringReport['features'][number]> = {}): MonitoringReport['features'][number] => ({
  feature,
  kind: 'numeric',
  test: 'ks',
  status: 'stable',
  drifted: false,
  samples: 1000,
  missing: 0,
  psi: 0.0123,
  statistic: 0.02,
  p_value: 0.4567,
  reason: 'stable',
  ...change,
});

const report: MonitoringReport = {
  model: 'breast-cancer',
  window: { from: '2025-03-01T11:00:00.000Z', to: '2025-03-01T12:00:00.000Z' },
  serving_version: 3,
  versions: [3],
  reference: { dataset: 'breast-cancer', version: '0123456789abcdef' },
  predictions: 1000,
  drifted: true,
  drifted_features: ['mean radius'],
  features: [
    drift('mean radius', { status: 'drifted', drifted: true, psi: 1.2345, p_value: 1e-9 }),
    drift('mean texture'),
    drift('colour', { kind: 'categorical', test: 'chi_square', status: 'insufficient_data', psi: null, p_value: null }),
  ],
  prediction_drift: drift('target', { kind: 'categorical', test: 'chi_square' }),
  unknown_features: [],
  quality: { live: { task: 'classification', samples: 200, accuracy: 0.955, macro_f1: 0.9512, classes: ['0', '1'] }, test_metrics: { accuracy: 0.96 } },
  on_drift: 'retrain',
  created_at: '2025-03-01T12:00:03.000Z',
};

describe('renderMonitoring', () => {
  it('prints the newest report as a table (feature, psi, test, p-value, drifted), then live quality beside the test metrics', () => {
    const lines = renderMonitoring({ model: 'breast-cancer', serving_version: 3, reports: [report] });
    expect(lines[0]).toBe('model breast-cancer  serving v3  window 2025-03-01T11:00:00.000Z → 2025-03-01T12:00:00.000Z');
    expect(lines[1]).toContain('DRIFTED (mean radius); on drift: retrain');
    expect(lines[2]!.trim().split(/\s+/)).toEqual(['feature', 'psi', 'test', 'p-value', 'drifted']);
    expect(lines.slice(3, 7).map((l) => l.trim().split(/\s{2,}/))).toEqual([
      ['mean radius', '1.23', 'KS', '1e-9', 'yes'],
      ['mean texture', '0.0123', 'KS', '0.457', 'no'],
      ['colour', '-', 'chi-square', '-', 'too few values'],
      ['(predictions)', '0.0123', 'chi-square', '0.457', 'no'],
    ]);
    expect(lines.at(-1)).toBe('  live quality: accuracy=0.955 macro_f1=0.951 over 200 labelled   test metrics: accuracy=0.96');
  });

  it('says when there is no report yet, and when nothing was labelled', () => {
    const empty: MonitoringView = { model: 'm', serving_version: null, reports: [] };
    expect(renderMonitoring(empty)).toEqual(['model m  not serving', '  no monitoring report yet (the monitor writes one per window)']);
    const unlabelled = { ...report, quality: { live: { task: 'unknown' as const, samples: 0 as const }, test_metrics: {} } };
    expect(renderMonitoring({ model: 'm', serving_version: 3, reports: [unlabelled] }).at(-1)).toBe(
      '  live quality: no labelled predictions in the window   test metrics: none',
    );
  });
});
