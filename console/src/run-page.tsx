import { useState } from 'preact/hooks';
import { api, isTerminal, type MetricPoint, type Permissions, type RunView } from './api.js';
import { flatten, shortDigest } from './format.js';
import { LogPanel } from './log-panel.js';
import { MetricsPanel } from './metrics-panel.js';
import { RunActions } from './run-actions.js';
import { StageTimeline } from './stage-timeline.js';
import { usePolling } from './use-polling.js';

/** One run: its steps on a timeline, params, metric curves, logs and where it came from. */
export function RunPage({ id, permissions }: { id: string; permissions: Permissions }) {
  const [notice, setNotice] = useState<string>();
  const path = `runs/${encodeURIComponent(id)}`;
  const live = { intervalMs: 2000, active: (r: RunView) => !isTerminal(r.status) };
  const run = usePolling(() => api<RunView>(path), [path], live);
  // Points arrive while a stage runs: polled until the run ends, then loaded once more.
  const running = run.data !== undefined && !isTerminal(run.data.status);
  const metrics = usePolling(() => api<{ points: MetricPoint[] }>(`${path}/metrics`), [path, running], { intervalMs: 5000, active: () => running });
  if (run.error && !run.data)
    return (
      <p role="alert" class="error">
        {run.error.message}
      </p>
    );
  const view = run.data;
  if (!view) return <p class="muted">Loading {id}…</p>;
  return (
    <article aria-labelledby="run-title">
      <p>
        <a href="#/runs">← Runs</a>
      </p>
      <h1 id="run-title">
        {view.runId} <span class={`status ${view.status}`}>{view.status}</span>
      </h1>
      <p class="summary">
        project <strong>{view.project}</strong> · model <strong>{view.modelName}</strong>
        {view.modelVersion !== undefined && <> v{view.modelVersion}</>}
        {view.trigger && <> · trigger {view.trigger}</>}
        {view.resumedFrom && (
          <>
            {' '}
            · resumed from <a href={`#/runs/${encodeURIComponent(view.resumedFrom)}`}>{view.resumedFrom}</a>
          </>
        )}
        {view.web_ui_url && (
          <>
            {' '}
            ·{' '}
            <a href={view.web_ui_url} target="_blank" rel="noreferrer">
              Open in Temporal Web UI
            </a>
          </>
        )}{' '}
        <RunActions runId={view.runId} status={view.status} permissions={permissions} onDone={(m) => (setNotice(m), run.reload())} />
      </p>
      {notice && (
        <p role="status" class="notice">
          {notice}
        </p>
      )}
      {view.error && (
        <p class="error">
          {view.failureClass && <strong>{view.failureClass}: </strong>}
          {view.error}
        </p>
      )}
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Stages</h2>
        <StageTimeline steps={view.steps} now={Date.now()} />
      </section>
      <section aria-labelledby="metrics-title">
        <h2 id="metrics-title">Metrics</h2>
        {metrics.data ? <MetricsPanel points={metrics.data.points} /> : <p class="muted">{metrics.error?.message ?? 'Loading metrics…'}</p>}
      </section>
      <div class="columns">
        <section aria-labelledby="params-title">
          <h2 id="params-title">Params</h2>
          <KeyValues values={flatten(view.params)} />
        </section>
        <section aria-labelledby="lineage-title">
          <h2 id="lineage-title">Lineage</h2>
          <KeyValues
            values={{
              'dataset version': view.datasetVersion ?? '–',
              'source digest': shortDigest(view.sourceDigest),
              environment: shortDigest(view.environmentDigest),
            }}
          />
        </section>
      </div>
      <section aria-labelledby="logs-title">
        <h2 id="logs-title">Logs</h2>
        <LogPanel runId={view.runId} steps={view.steps} />
      </section>
    </article>
  );
}

function KeyValues({ values }: { values: Record<string, string> }) {
  return (
    <dl class="kv">
      {Object.entries(values).map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
