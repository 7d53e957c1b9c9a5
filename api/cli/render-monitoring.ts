import type { MonitoringReport } from '../../core/monitoring/report/monitoring-report.js';
import type { MonitoringView } from '../monitoring-service.js';

type DriftEntry = MonitoringReport['features'][number];

const number = (value: number | null) => (value === null ? '-' : Number(value.toPrecision(3)).toString());
const TEST_NAMES: Record<DriftEntry['test'], string> = { ks: 'KS', chi_square: 'chi-square' };

/** `kiln model monitor`: the newest report as a table (feature, PSI, test, p-value, drifted), then live quality. */
export function renderMonitoring(view: MonitoringView): string[] {
  const serving = view.serving_version === null ? 'not serving' : `serving v${view.serving_version}`;
  const report = view.reports[0];
  if (!report) return [`model ${view.model}  ${serving}`, '  no monitoring report yet (the monitor writes one per window)'];
  const lines = [
    `model ${view.model}  ${serving}  window ${report.window.from} → ${report.window.to}`,
    `  v${report.serving_version} against ${report.reference.dataset}@${report.reference.version}: ${report.predictions} predictions, ${report.drifted ? `DRIFTED (${report.drifted_features.join(', ') || 'predictions'})` : 'no drift'}; on drift: ${report.on_drift}`,
    `  ${'feature'.padEnd(24)} ${'psi'.padStart(8)}  ${'test'.padEnd(10)} ${'p-value'.padStart(9)}  drifted`,
  ];
  const row = (entry: DriftEntry, name = entry.feature) =>
    `  ${name.padEnd(24)} ${number(entry.psi).padStart(8)}  ${TEST_NAMES[entry.test].padEnd(10)} ${number(entry.p_value).padStart(9)}  ${entry.status === 'insufficient_data' ? 'too few values' : entry.drifted ? 'yes' : 'no'}`;
  lines.push(...report.features.map((entry) => row(entry)));
  if (report.prediction_drift) lines.push(row(report.prediction_drift, '(predictions)'));
  if (report.unknown_features.length) lines.push(`  inputs the reference lacks: ${report.unknown_features.join(', ')}`);
  const tested = Object.entries(report.quality.test_metrics)
    .map(([name, value]) => `${name}=${number(value)}`)
    .join(' ');
  lines.push(`  live quality: ${liveQualityLine(report.quality.live)}   test metrics: ${tested || 'none'}`);
  return lines;
}

function liveQualityLine(live: MonitoringReport['quality']['live']): string {
  if (live.task === 'classification') return `accuracy=${number(live.accuracy)} macro_f1=${number(live.macro_f1)} over ${live.samples} labelled`;
  if (live.task === 'regression') return `rmse=${number(live.rmse)} mae=${number(live.mae)} over ${live.samples} labelled`;
  return 'no labelled predictions in the window';
}
