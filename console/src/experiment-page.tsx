import { useMemo, useState } from 'preact/hooks';
import { api, type ExperimentView, type MetricPoint, type Permissions, type TrialRecord } from './api.js';
import { number } from './format.js';
import { ExperimentActions } from './experiment-actions.js';
import { MetricChart, type Series } from './metric-chart.js';
import { ParallelCoordinates } from './parallel-coordinates.js';
import { TrialsTable } from './trials-table.js';
import { usePolling } from './use-polling.js';

/** Objective by trial, and the best so far after each trial (failed and running trials are gaps). */
export function objectiveSeries(view: ExperimentView): Series[] {
  const point = (step: number, value: number): MetricPoint => ({ stage: 'evaluate', name: view.objective.metric, step, epoch: null, value });
  const ordered = [...view.trials].sort((a, b) => a.index - b.index);
  const scored = ordered.filter((t): t is TrialRecord & { objective: number } => t.objective !== undefined && t.status === 'succeeded');
  const better = (a: number, b: number) => (view.objective.goal === 'maximize' ? a > b : a < b);
  let best: number | undefined;
  const bestSoFar = scored.map((t) => {
    if (best === undefined || better(t.objective, best)) best = t.objective;
    return point(t.index, best);
  });
  const stopped = ordered.filter((t) => t.objective !== undefined && t.status === 'early_stopped').map((t) => point(t.index, t.objective!));
  return [
    { label: 'objective', points: scored.map((t) => point(t.index, t.objective)) },
    { label: 'best so far', points: bestSoFar },
    ...(stopped.length ? [{ label: 'early stopped (last value)', points: stopped, pointsOnly: true }] : []),
  ];
}

/** A tuning experiment: its trials, how the objective moved, and which params did well. */
export function ExperimentPage({ id, permissions }: { id: string; permissions: Permissions }) {
  const [notice, setNotice] = useState<string>();
  const path = `experiments/${encodeURIComponent(id)}`;
  const experiment = usePolling(() => api<ExperimentView>(path), [path], { intervalMs: 3000, active: (v) => v.status === 'running' });
  const view = experiment.data;
  const series = useMemo(() => (view ? objectiveSeries(view) : []), [view]);
  if (experiment.error && !view)
    return (
      <p role="alert" class="error">
        {experiment.error.message}
      </p>
    );
  if (!view) return <p class="muted">Loading {id}…</p>;
  const count = (status: TrialRecord['status']) => view.trials.filter((t) => t.status === status).length;
  return (
    <article aria-labelledby="experiment-title">
      <p>
        <a href="#/experiments">← Experiments</a>
      </p>
      <h1 id="experiment-title">
        {view.experimentId} <span class={`status ${view.status}`}>{view.status}</span>
      </h1>
      <p class="summary">
        {view.objective.goal} <strong>{view.objective.metric}</strong>
        {view.objective.target !== undefined && <> (target {number(view.objective.target)})</>} · {view.trials.length} of {view.maxTrialCount} trials,{' '}
        {view.parallelTrialCount} at once · {count('succeeded')} succeeded, {count('early_stopped')} early stopped, {count('failed') + count('cancelled')}{' '}
        failed
        {view.best?.objective !== undefined && (
          <>
            {' '}
            · best: trial {view.best.index} with {number(view.best.objective)}
          </>
        )}
      </p>
      {view.message && <p class="muted">{view.message}</p>}
      <ExperimentActions view={view} permissions={permissions} onDone={(m) => (setNotice(m), experiment.reload())} />
      {notice && (
        <p role="status" class="notice">
          {notice}
        </p>
      )}
      <section aria-labelledby="objective-title">
        <h2 id="objective-title">Objective by trial</h2>
        <div class="charts">
          <MetricChart title={view.objective.metric} series={series} x="step" xLabel="trial" log={false} />
          <ParallelCoordinates trials={view.trials} metric={view.objective.metric} best={view.best?.index} />
        </div>
      </section>
      <section aria-labelledby="trials-title">
        <h2 id="trials-title">Trials</h2>
        <TrialsTable trials={view.trials} metric={view.objective.metric} best={view.best?.index} />
      </section>
    </article>
  );
}
