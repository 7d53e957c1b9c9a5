import type { ExperimentView } from '../client/kiln-api-client.js';

const ICONS: Record<string, string> = { running: '▶', succeeded: '✔', failed: '✘', early_stopped: '⏹', cancelled: '■' };

function fmt(value: number | string | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'number' ? String(Number(value.toPrecision(4))) : value;
}

function duration(startedAt: string, finishedAt: string | undefined, now: number): string {
  const end = finishedAt ? Date.parse(finishedAt) : now;
  return `${((end - Date.parse(startedAt)) / 1000).toFixed(1)}s`;
}

/** `kiln experiment status`: a header, then one row per trial with its parameters, objective, status and duration. */
export function renderExperiment(view: ExperimentView, now = Date.now()): string[] {
  const done = view.trials.filter((t) => t.status !== 'running').length;
  const running = view.trials.length - done;
  const lines = [
    `experiment ${view.experimentId}  status ${view.status.toUpperCase()}  ${done}/${view.maxTrialCount} trials done, ${running} running (at most ${view.parallelTrialCount} at once)`,
    `objective: ${view.objective.goal} ${view.objective.metric}${view.objective.target === undefined ? '' : ` (target ${view.objective.target})`}`,
  ];
  const names = [...new Set(view.trials.flatMap((t) => Object.keys(t.assignment)))];
  const header = ['#', 'status', ...names, view.objective.metric, 'time', 'note'];
  const rows = view.trials.map((t) => [
    String(t.index),
    `${ICONS[t.status] ?? '?'} ${t.status}`,
    ...names.map((n) => fmt(t.assignment[n])),
    fmt(t.objective),
    duration(t.startedAt, t.finishedAt, now),
    `${view.best?.index === t.index ? '★ best ' : ''}${t.reason ?? ''}`.trim(),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  lines.push(line(header), ...rows.map(line));
  if (view.best) lines.push(`best: trial ${view.best.index} (${view.best.runId}) ${view.objective.metric}=${fmt(view.best.objective)}`);
  if (view.message) lines.push(`ended: ${view.message}`);
  return lines;
}
