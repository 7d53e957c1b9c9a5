import { CATEGORIES } from './breakdown.js';
import type { KilnRun } from './kiln-run.js';
import { show, summarize, table, type Row } from './report.js';
import type { ShellRun } from './shell-baseline.js';

const med = (values: number[]) => show(summarize(values), 'ms');

/** Where the example runs' wall time went, and the largest non-process items, as text. */
export function breakdownReport(runs: KilnRun[], shell: ShellRun[]): string {
  const steps = runs[0]?.pipelineSteps.length ?? 1;
  const categoryRows: Row[] = CATEGORIES.map((c) => {
    const values = runs.map((r) => r.breakdown.byCategory.get(c) ?? 0);
    const perStep = summarize(values).median / steps;
    return { metric: c, value: med(values), target: c === 'stage processes' ? '' : `${perStep.toFixed(0)} ms/step` };
  });
  categoryRows.push({ metric: 'total (= kiln wall)', value: med(runs.map((r) => r.wallMs)) });

  const names = new Set(runs.flatMap((r) => [...r.breakdown.byName.keys()]).filter((k) => !k.startsWith('stage processes')));
  const top = [...names]
    .map((name) => ({ name, values: runs.map((r) => r.breakdown.byName.get(name) ?? 0) }))
    .sort((a, b) => summarize(b.values).median - summarize(a.values).median)
    .slice(0, 12)
    .map((n): Row => ({ metric: n.name, value: med(n.values) }));

  const stageRows: Row[] = ['preprocess', 'train', 'evaluate'].map((stage) => {
    const steps = runs.map((r) => r.progress.steps.find((s) => s.step === stage));
    return {
      metric: `${stage}: activity − process`,
      value: med(steps.map((s) => (s?.durationMs ?? NaN) - (s?.processMs ?? NaN))),
      target: `kiln ${med(steps.map((s) => s?.processMs ?? NaN))} / shell ${med(shell.map((r) => r.processMs[stage] ?? NaN))}`,
    };
  });
  const scheduleToStart = runs.flatMap((r) => r.history.activities.map((a) => a.start - a.scheduled));
  const wfts = runs.map((r) => r.history.workflowTasks);
  const temporalRows: Row[] = [
    { metric: 'activities per run', value: String(runs[0]?.history.activities.length ?? 0) },
    { metric: 'activity schedule → start (each)', value: med(scheduleToStart) },
    { metric: 'workflow tasks per run', value: String(wfts[0]?.length ?? 0) },
    { metric: 'workflow task duration (each)', value: med(wfts.flat().map((w) => w.end - w.start)) },
    { metric: 'submit → workflow started', value: med(runs.map((r) => r.history.workflowStarted - r.t0)) },
    { metric: 'workflow closed → client saw it', value: med(runs.map((r) => r.end - r.history.workflowClosed)) },
    { metric: 'submit → preprocess spawn', value: med(runs.map((r) => r.spawnAfterMs.preprocess ?? NaN)) },
    { metric: 'submit → train spawn', value: med(runs.map((r) => r.spawnAfterMs.train ?? NaN)) },
  ];
  return [
    `Where the example's kiln wall time goes (median ms per run; each instant counted once, for the first busy category)`,
    table(categoryRows, ['category', 'ms', 'per step']),
    '',
    'Largest items outside the stage processes (exclusive ms per run, median)',
    table(top, ['category: item', 'ms', '']),
    '',
    'Per stage activity (ms, median)',
    table(stageRows, ['stage', 'overhead', 'process time']),
    '',
    'Temporal (ms, median)',
    table(temporalRows, ['measure', 'value', '']),
  ].join('\n');
}
