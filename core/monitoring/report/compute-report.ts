import type { MonitoringSpec } from '../../specs/monitoring.js';
import { detectDrift } from '../detect-drift.js';
import type { DatasetProfile } from '../feature-profile.js';
import { liveQuality, type LabelledPrediction } from '../live-quality.js';
import { cellOf, windowColumns } from '../window-columns.js';
import type { MonitoringReport } from './monitoring-report.js';

export interface ReportInputs {
  model: string;
  window: { from: Date; to: Date };
  servingVersion: number;
  /** Versions whose predictions were read. */
  versions: number[];
  reference: DatasetProfile;
  /** The window's logged predictions: what the model was asked and what it answered. */
  logged: readonly { input: unknown; prediction: unknown }[];
  /** The window's predictions that feedback labelled. */
  labelled: readonly LabelledPrediction[];
  testMetrics: Record<string, number>;
  spec: Pick<MonitoringSpec, 'min_samples' | 'psi_threshold' | 'p_value' | 'on_drift'>;
  createdAt: Date;
}

/** The monitoring report of one window. Pure: the activity reads the inputs, this decides what they mean. */
export function computeMonitoringReport(inputs: ReportInputs): MonitoringReport {
  const { reference, logged, spec } = inputs;
  const features = windowColumns(
    logged.map((l) => l.input),
    reference.features.map((f) => f.name),
  );
  const drift = detectDrift(reference, { features, predictions: logged.map((l) => cellOf(l.prediction)) }, spec);
  return {
    model: inputs.model,
    window: { from: inputs.window.from.toISOString(), to: inputs.window.to.toISOString() },
    serving_version: inputs.servingVersion,
    versions: inputs.versions,
    reference: { dataset: reference.dataset, version: reference.version },
    predictions: logged.length,
    drifted: drift.drifted,
    drifted_features: drift.drifted_features,
    features: drift.features,
    ...(drift.predictions ? { prediction_drift: drift.predictions } : {}),
    unknown_features: drift.unknown_features,
    quality: { live: liveQuality(inputs.labelled), test_metrics: inputs.testMetrics },
    on_drift: spec.on_drift,
    created_at: inputs.createdAt.toISOString(),
  };
}

/** What the monitor workflow needs from a report to decide what to do (the report itself stays in the store). */
export interface MonitoringSummary {
  reportKey: string;
  windowEnd: string;
  drifted: boolean;
  driftedFeatures: string[];
  predictionDrifted: boolean;
  predictions: number;
  onDrift: MonitoringReport['on_drift'];
}

export function summarize(report: MonitoringReport, reportKey: string): MonitoringSummary {
  return {
    reportKey,
    windowEnd: report.window.to,
    drifted: report.drifted,
    driftedFeatures: report.drifted_features,
    predictionDrifted: report.prediction_drift?.drifted === true,
    predictions: report.predictions,
    onDrift: report.on_drift,
  };
}
