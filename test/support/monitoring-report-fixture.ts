import type { MonitoringReport } from '../../core/monitoring/report/monitoring-report.js';

type FeatureEntry = MonitoringReport['features'][number];

/** A feature's KS verdict as the monitor writes it; drifted when `psi` is 0.25 or more. */
function featureEntry(feature: string, psi: number): FeatureEntry {
  const drifted = psi >= 0.25;
  return {
    feature,
    kind: 'numeric',
    test: 'ks',
    status: drifted ? 'drifted' : 'stable',
    drifted,
    samples: 1000,
    missing: 0,
    psi,
    statistic: psi / 4,
    p_value: drifted ? 1e-9 : 0.5,
    reason: drifted ? 'KS p-value below 0.01' : 'stable',
  };
}

/**
 * An hourly monitoring report of `model` ending `hoursAgo` before now, in the shape the monitor
 * stores (core/monitoring/report): each feature with the given PSI, live accuracy as given.
 */
export function monitoringReport(options: {
  model: string;
  version: number;
  datasetVersion: string;
  hoursAgo: number;
  psi: Record<string, number>;
  accuracy: number;
}): MonitoringReport {
  const to = new Date(Date.now() - options.hoursAgo * 3_600_000);
  const features = Object.entries(options.psi).map(([feature, psi]) => featureEntry(feature, psi));
  const drifted = features.filter((f) => f.drifted).map((f) => f.feature);
  return {
    model: options.model,
    window: { from: new Date(to.getTime() - 3_600_000).toISOString(), to: to.toISOString() },
    serving_version: options.version,
    versions: [options.version],
    reference: { dataset: options.model, version: options.datasetVersion },
    predictions: 1000,
    drifted: drifted.length > 0,
    drifted_features: drifted,
    features,
    unknown_features: [],
    quality: {
      live: { task: 'classification', samples: 200, accuracy: options.accuracy, macro_f1: options.accuracy - 0.01, classes: ['0', '1'] },
      test_metrics: { accuracy: 0.96 },
    },
    on_drift: 'alert',
    created_at: to.toISOString(),
  };
}
