import type { RunView } from '../client/kiln-api-client.js';

const ICONS: Record<string, string> = {
  pending: '·', waiting: '…', running: '▶', succeeded: '✔', failed: '✘', skipped: '-', cancelled: '■', cached: '↺',
};

/** The run as lines of text: one per step with status, time and message. */
export function renderRun(run: RunView): string[] {
  const lines = [`run ${run.runId}  project ${run.project}  status ${run.status.toUpperCase()}`];
  for (const step of run.steps) {
    const time = step.durationMs === undefined ? '' : `${(step.durationMs / 1000).toFixed(2)}s`;
    lines.push(`  ${ICONS[step.status] ?? '?'} ${step.step.padEnd(11)} ${step.status.padEnd(10)} ${time.padStart(8)}  ${step.message ?? ''}`.trimEnd());
  }
  if (run.error) lines.push(`  error: ${run.error}`);
  if (run.web_ui_url) lines.push(`  web ui: ${run.web_ui_url}`);
  return lines;
}
