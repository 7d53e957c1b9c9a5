import { useMemo } from 'preact/hooks';
import { api, type MetricPoint } from './api.js';
import { number, when } from './format.js';
import { MetricChart, type Series } from './metric-chart.js';
import type { MonitoringReport, MonitoringView } from './model-types.js';
import { usePolling } from './use-polling.js';

/** Windows the page reads: the newest reports. */
const REPORTS = 24;

/** Live quality by window, oldest first: accuracy and macro F1, or RMSE and MAE. */
function qualitySeries(reports: MonitoringReport[]): Series[] {
  const byName = new Map<string, MetricPoint[]>();
  reports.forEach((report, step) => {
    const live = report.quality.live;
    const values: Record<string, number> =
      live.task === 'classification'
        ? { accuracy: live.accuracy, macro_f1: live.macro_f1 }
        : live.task === 'regression'
          ? { rmse: live.rmse, mae: live.mae }
          : {};
    for (const [name, value] of Object.entries(values)) byName.set(name, [...(byName.get(name) ?? []), { stage: 'monitor', name, step, epoch: null, value }]);
  });
  return [...byName].map(([label, points]) => ({ label, points }));
}

/** Drift per feature over the windows (a row per feature, PSI per window, drifted ones marked) and live quality. */
export function ModelMonitoring({ name }: { name: string }) {
  const monitoring = usePolling(() => api<MonitoringView>(`models/${encodeURIComponent(name)}/monitoring?limit=${REPORTS}`), [name], { intervalMs: 30_000 });
  const reports = useMemo(() => [...(monitoring.data?.reports ?? [])].reverse(), [monitoring.data]);
  const quality = useMemo(() => qualitySeries(reports), [reports]);
  const features = [...new Set(reports.flatMap((r) => r.features.map((f) => f.feature)))];
  const newest = reports.at(-1);
  return (
    <section aria-labelledby="monitoring-title">
      <h2 id="monitoring-title">Monitoring</h2>
      {!monitoring.data ? (
        <p class="muted">{monitoring.error?.message ?? 'Loading monitoring reports…'}</p>
      ) : reports.length === 0 ? (
        <p class="muted">No monitoring report yet: the monitor writes one per window.</p>
      ) : (
        <>
          <p class="summary">
            {reports.length} windows, newest {when(newest!.window.from)} → {when(newest!.window.to)}:{' '}
            {newest!.drifted ? <strong class="error">drifted ({newest!.drifted_features.join(', ')})</strong> : 'no drift'} · on drift: {newest!.on_drift}
          </p>
          <div class="charts">
            <MetricChart title="live quality" series={quality} x="step" xLabel="window" log={false} />
            <figure class="chart">
              <figcaption>
                <strong>Test metrics of the serving version</strong>
              </figcaption>
              <dl class="kv">
                {Object.entries(newest!.quality.test_metrics).map(([k, v]) => (
                  <div key={k}>
                    <dt>{k}</dt>
                    <dd>{number(v)}</dd>
                  </div>
                ))}
              </dl>
            </figure>
          </div>
          <div class="scroll">
            <table class="drift">
              <caption class="muted">PSI per feature and window (oldest left); drifted cells marked</caption>
              <thead>
                <tr>
                  <th scope="col">Feature</th>
                  {reports.map((r) => (
                    <th scope="col" key={r.window.to}>
                      {when(r.window.to)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {features.map((feature) => (
                  <tr key={feature} data-feature={feature}>
                    <th scope="row">{feature}</th>
                    {reports.map((r) => {
                      const entry = r.features.find((f) => f.feature === feature);
                      return (
                        <td key={r.window.to} class={entry?.drifted ? 'drifted' : undefined} data-drifted={entry?.drifted ? 'true' : undefined}>
                          {entry?.psi === null || entry === undefined ? '–' : number(entry.psi)}
                          {entry?.drifted && <span class="visually-hidden"> drifted</span>}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
