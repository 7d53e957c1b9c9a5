/**
 * The monitoring report of one window (pure), and its store on the real filesystem store:
 * drifted and stable features, live quality beside the test metrics, newest-first listing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FilesystemArtifactStore } from '../../../core/artifacts/filesystem-store.js';
import { profileColumns } from '../../../core/monitoring/profile-columns.js';
import { computeMonitoringReport, summarize, type ReportInputs } from '../../../core/monitoring/report/compute-report.js';
import { MonitoringReport } from '../../../core/monitoring/report/monitoring-report.js';
import { listMonitoringReports, putMonitoringReport } from '../../../core/monitoring/report/report-store.js';
import { MonitoringSpec } from '../../../core/specs/monitoring.js';
import { categoryCells, normalCells } from './synthetic-columns.js';

const reference = profileColumns(
  { radius: normalCells(5000, 1, 14, 3.5), texture: normalCells(5000, 2, 19, 4.3), label: categoryCells(5000, 4, { 0: 0.6, 1: 0.4 }) },
  { dataset: 'breast-cancer', version: '0123456789abcdef', target: 'label' },
);
const spec = MonitoringSpec.parse({ on_drift: 'retrain' });
const WINDOW_END = new Date('2025-03-01T12:00:00Z');

/** 1,000 logged predictions as the model server writes them: arrays in the profile's feature order. */
function logged(radiusMean: number): ReportInputs['logged'] {
  const radius = normalCells(1000, 11, radiusMean, 3.5);
  const texture = normalCells(1000, 12, 19, 4.3);
  const labels = categoryCells(1000, 14, { 0: 0.6, 1: 0.4 });
  return radius.map((r, i) => ({ input: [Number(r), Number(texture[i])], prediction: Number(labels[i]) }));
}

function inputs(overrides: Partial<ReportInputs> = {}): ReportInputs {
  return {
    model: 'breast-cancer',
    window: { from: new Date(WINDOW_END.getTime() - 3_600_000), to: WINDOW_END },
    servingVersion: 3,
    versions: [3],
    reference,
    logged: logged(14),
    labelled: [],
    testMetrics: { accuracy: 0.96, f1: 0.95 },
    spec,
    createdAt: new Date('2025-03-01T12:00:05Z'),
    ...overrides,
  };
}

describe('computeMonitoringReport', () => {
  it('reports a window like the training data as not drifted, with every feature and the predictions stable', () => {
    const report = computeMonitoringReport(inputs());
    expect(MonitoringReport.parse(report)).toEqual(report);
    expect(report).toMatchObject({
      model: 'breast-cancer',
      window: { from: '2025-03-01T11:00:00.000Z', to: '2025-03-01T12:00:00.000Z' },
      serving_version: 3,
      reference: { dataset: 'breast-cancer', version: '0123456789abcdef' },
      predictions: 1000,
      drifted: false,
      drifted_features: [],
      on_drift: 'retrain',
    });
    expect(report.features.map((f) => [f.feature, f.status])).toEqual([
      ['radius', 'stable'],
      ['texture', 'stable'],
    ]);
    expect(report.prediction_drift).toMatchObject({ feature: 'label', status: 'stable' });
  });

  it('flags exactly the shifted feature', () => {
    const report = computeMonitoringReport(inputs({ logged: logged(14 + 2 * 3.5) }));
    expect(report).toMatchObject({ drifted: true, drifted_features: ['radius'] });
    const [radius, texture] = report.features;
    expect(radius!.psi).toBeGreaterThan(0.2);
    expect(texture!.psi).toBeLessThan(0.2);
    expect(summarize(report, 'monitoring/breast-cancer/20250301T120000Z.json')).toEqual({
      reportKey: 'monitoring/breast-cancer/20250301T120000Z.json',
      windowEnd: '2025-03-01T12:00:00.000Z',
      drifted: true,
      driftedFeatures: ['radius'],
      predictionDrifted: false,
      predictions: 1000,
      onDrift: 'retrain',
    });
  });

  it('calls a window with fewer than min_samples predictions insufficient, never drifted', () => {
    const report = computeMonitoringReport(inputs({ logged: logged(30).slice(0, 50) }));
    expect(report.drifted).toBe(false);
    expect(report.features.every((f) => f.status === 'insufficient_data')).toBe(true);
  });

  it('puts live quality from the labelled predictions beside the test metrics', () => {
    const labelled = [
      { prediction: 1, label: 1 },
      { prediction: 0, label: 0 },
      { prediction: 0, label: 1 },
      { prediction: 1, label: 1 },
    ];
    const report = computeMonitoringReport(inputs({ labelled }));
    expect(report.quality.test_metrics).toEqual({ accuracy: 0.96, f1: 0.95 });
    expect(report.quality.live).toMatchObject({ task: 'classification', samples: 4, accuracy: 0.75 });
  });
});

describe('the report store', () => {
  let root: string;
  let store: FilesystemArtifactStore;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kiln-reports-'));
    store = new FilesystemArtifactStore(join(root, 'artifacts'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('keys a report by its window end, lists newest first up to the limit, and overwrites a window reported again', async () => {
    const ends = ['2025-03-01T10:00:00Z', '2025-03-01T12:00:00Z', '2025-03-01T11:00:00Z'].map((t) => new Date(t));
    const keys = [];
    for (const end of ends)
      keys.push(await putMonitoringReport(store, computeMonitoringReport(inputs({ window: { from: new Date(end.getTime() - 3_600_000), to: end } }))));
    expect(keys[0]).toBe('monitoring/breast-cancer/20250301T100000Z.json');
    await putMonitoringReport(store, computeMonitoringReport(inputs({ logged: logged(21) })));
    const newest = await listMonitoringReports(store, 'breast-cancer', 2);
    expect(newest.map((r) => r.window.to)).toEqual(['2025-03-01T12:00:00.000Z', '2025-03-01T11:00:00.000Z']);
    expect(newest[0]!.drifted).toBe(true);
    expect(await listMonitoringReports(store, 'other-model', 10)).toEqual([]);
  });
});
