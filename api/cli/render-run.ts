import { FAILURE_CLASSES } from '../../core/pipeline/failure-class.js';
import type { AttemptView } from '../../core/pipeline/run-progress.js';
import type { RunView } from '../client/kiln-api-client.js';

const ICONS: Record<string, string> = {
  pending: '·',
  waiting: '…',
  running: '▶',
  succeeded: '✔',
  failed: '✘',
  skipped: '-',
  cancelled: '■',
  cached: '↺',
};

/** The run as lines of text: one per step with status, time and message. */
export function renderRun(run: RunView): string[] {
  const lines = [`run ${run.runId}  project ${run.project}  status ${run.status.toUpperCase()}`];
  for (const step of run.steps) {
    const time = step.durationMs === undefined ? '' : `${(step.durationMs / 1000).toFixed(2)}s`;
    lines.push(`  ${ICONS[step.status] ?? '?'} ${step.step.padEnd(11)} ${step.status.padEnd(10)} ${time.padStart(8)}  ${step.message ?? ''}`.trimEnd());
    // Attempts are worth a line each only when there was more than one, or one failed.
    const attempts = step.attempts ?? [];
    if (attempts.length > 1 || attempts.some((a) => a.status === 'failed')) lines.push(...attempts.map(renderAttempt));
  }
  if (run.error) lines.push(`  error${run.failureClass ? ` (${FAILURE_CLASSES[run.failureClass].label})` : ''}: ${run.error}`);
  if (run.web_ui_url) lines.push(`  web ui: ${run.web_ui_url}`);
  return lines;
}

function renderAttempt(a: AttemptView): string {
  const outcome = a.status === 'failed' ? (a.retried ? 'failed, retried' : a.retried === false ? 'failed, not retried' : 'failed') : a.status;
  const why = a.failureClass ? `${FAILURE_CLASSES[a.failureClass].label}: ` : '';
  // The message already starts with the class label when runStage wrote it.
  const message = a.message && why && a.message.startsWith(why) ? a.message.slice(why.length) : (a.message ?? '');
  return `      attempt ${a.attempt}: ${outcome}${a.failureClass ? ` [${a.failureClass}]` : ''}${message ? ` — ${message}` : ''}`;
}

interface RunRow {
  id: string;
  project: string;
  status: string;
  createdAt: number;
  finishedAt: number | null;
  error: string | null;
}

/** `kiln run list`: one line per run, newest first. */
export function renderRunList(runs: RunRow[]): string[] {
  if (runs.length === 0) return ['no runs'];
  const header = `${'RUN'.padEnd(44)} ${'STATUS'.padEnd(10)} ${'STARTED'.padEnd(20)} ${'TOOK'.padStart(8)}  ERROR`;
  return [
    header,
    ...runs.map((r) => {
      const took = r.finishedAt ? `${((r.finishedAt - r.createdAt) / 1000).toFixed(1)}s` : '';
      const started = new Date(r.createdAt).toISOString().slice(0, 19).replace('T', ' ');
      return `${r.id.padEnd(44)} ${r.status.padEnd(10)} ${started.padEnd(20)} ${took.padStart(8)}  ${(r.error ?? '').slice(0, 60)}`.trimEnd();
    }),
  ];
}
