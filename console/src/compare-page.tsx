import { useEffect, useState } from 'preact/hooks';
import { api, type MetricPoint, type RunView } from './api.js';
import { flatten } from './format.js';
import { LogScaleToggle, MetricChart, type Series } from './metric-chart.js';

/** Runs that may be compared at once: enough for a sweep by hand, few enough to tell apart. */
export const COMPARE_LIMIT = { min: 2, max: 10 };

interface Compared {
  run: RunView;
  points: MetricPoint[];
}

/** 2–10 runs side by side: which params differ, and each metric's curves overlaid. */
export function ComparePage({ ids }: { ids: string[] }) {
  const [runs, setRuns] = useState<Compared[]>();
  const [error, setError] = useState<string>();
  const [log, setLog] = useState(false);
  const key = ids.join(',');
  // Reloads when the ids change by value (`key`), not when the array is rebuilt.
  useEffect(() => {
    let stale = false;
    Promise.all(
      ids.map(async (id) => {
        const path = `runs/${encodeURIComponent(id)}`;
        const [run, metrics] = await Promise.all([api<RunView>(path), api<{ points: MetricPoint[] }>(`${path}/metrics`)]);
        return { run, points: metrics.points };
      }),
    ).then(
      (loaded) => !stale && setRuns(loaded),
      (e: unknown) => !stale && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      stale = true;
    };
  }, [key]);
  if (ids.length < COMPARE_LIMIT.min || ids.length > COMPARE_LIMIT.max)
    return <p role="alert" class="error">{`Compare takes ${COMPARE_LIMIT.min} to ${COMPARE_LIMIT.max} runs; ${ids.length} were given.`}</p>;
  if (error)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (!runs) return <p class="muted">Loading {ids.length} runs…</p>;
  const params = runs.map((r) => flatten(r.run.params));
  const names = [...new Set(params.flatMap(Object.keys))];
  const differs = (name: string) => new Set(params.map((p) => p[name] ?? '–')).size > 1;
  const rows = [...names.filter(differs), ...names.filter((n) => !differs(n))];
  const charts = curvesByMetric(runs);
  return (
    <article aria-labelledby="compare-title">
      <p>
        <a href="#/runs">← Runs</a>
      </p>
      <h1 id="compare-title">Compare {runs.length} runs</h1>
      <section aria-labelledby="params-diff-title">
        <h2 id="params-diff-title">Params</h2>
        <table class="params-diff">
          <caption class="muted">{`${names.filter(differs).length} of ${names.length} params differ (listed first)`}</caption>
          <thead>
            <tr>
              <th scope="col">Param</th>
              {runs.map(({ run }) => (
                <th scope="col" key={run.runId}>
                  <a href={`#/runs/${encodeURIComponent(run.runId)}`}>{run.runId}</a>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((name) => (
              <tr key={name} data-param={name} class={differs(name) ? 'differs' : undefined}>
                <th scope="row">
                  {name}
                  {differs(name) && <span class="badge"> differs</span>}
                </th>
                {params.map((p, i) => (
                  <td key={runs[i]!.run.runId}>{p[name] ?? '–'}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="curves-title">
        <h2 id="curves-title">Curves</h2>
        <div class="chart-controls">
          <LogScaleToggle checked={log} onChange={setLog} />
        </div>
        <div class="charts">
          {charts.map(([name, series]) => (
            <MetricChart key={name} title={name} series={series} x="step" log={log} />
          ))}
        </div>
        {charts.length === 0 && <p class="muted">None of these runs logged a metric by step.</p>}
      </section>
    </article>
  );
}

/** One chart per metric name (stage-qualified outside train), one series per run. */
function curvesByMetric(runs: Compared[]): [string, Series[]][] {
  const charts = new Map<string, Series[]>();
  for (const { run, points } of runs) {
    const byName = new Map<string, MetricPoint[]>();
    for (const p of points) {
      if (p.step === null) continue;
      const name = p.stage === 'train' ? p.name : `${p.stage}: ${p.name}`;
      byName.set(name, [...(byName.get(name) ?? []), p]);
    }
    for (const [name, pts] of byName) charts.set(name, [...(charts.get(name) ?? []), { label: run.runId, points: pts.sort((a, b) => a.step! - b.step!) }]);
  }
  return [...charts];
}
