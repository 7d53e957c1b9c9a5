import { useMemo, useState } from 'preact/hooks';
import type { MetricPoint } from './api.js';
import { number } from './format.js';
import { LogScaleToggle, MetricChart, type Series } from './metric-chart.js';

/** `train_loss` and `val_loss` share a chart: the split prefix is not part of what is measured. */
const SPLIT_PREFIX = /^(train|training|val|valid|validation|test|eval)[_/.-]/;

/** Every series the run logged: stepped points as charts, stepless (final) values as a table. */
export function MetricsPanel({ points }: { points: MetricPoint[] }) {
  const [x, setX] = useState<'step' | 'epoch'>('step');
  const [log, setLog] = useState(false);
  const { charts, finals } = useMemo(() => groupMetrics(points), [points]);
  const hasEpochs = points.some((p) => p.epoch !== null);
  return (
    <>
      {charts.length > 0 && (
        <div class="chart-controls">
          <label>
            X axis{' '}
            <select value={x} onChange={(e) => setX(e.currentTarget.value as 'step' | 'epoch')}>
              <option value="step">step</option>
              <option value="epoch" disabled={!hasEpochs}>
                epoch
              </option>
            </select>
          </label>
          <LogScaleToggle checked={log} onChange={setLog} />
        </div>
      )}
      <div class="charts">
        {charts.map(([title, series]) => (
          <MetricChart key={title} title={title} series={series} x={x} log={log} />
        ))}
      </div>
      {charts.length === 0 && <p class="muted">No metric was logged by step.</p>}
      {finals.length > 0 && (
        <table class="finals">
          <caption>Final values</caption>
          <thead>
            <tr>
              <th scope="col">Stage</th>
              <th scope="col">Metric</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {finals.map((p) => (
              <tr key={`${p.stage}/${p.name}`}>
                <td>{p.stage}</td>
                <td>{p.name}</td>
                <td>{number(p.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function groupMetrics(points: MetricPoint[]): { charts: [string, Series[]][]; finals: MetricPoint[] } {
  const charts = new Map<string, Map<string, MetricPoint[]>>();
  const finals: MetricPoint[] = [];
  for (const point of points) {
    if (point.step === null) {
      finals.push(point);
      continue;
    }
    const title = point.name.replace(SPLIT_PREFIX, '');
    const series = charts.get(title) ?? new Map<string, MetricPoint[]>();
    charts.set(title, series);
    const label = point.stage === 'train' ? point.name : `${point.stage}: ${point.name}`;
    series.set(label, [...(series.get(label) ?? []), point]);
  }
  return {
    charts: [...charts].map(([title, series]) => [title, [...series].map(([label, pts]) => ({ label, points: pts.sort((a, b) => a.step! - b.step!) }))]),
    finals,
  };
}
