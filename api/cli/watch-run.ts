import { isTerminal } from '../../core/pipeline/run-progress.js';
import type { KilnApiClient, RunView } from '../client/kiln-api-client.js';
import { liveView } from './live-view.js';
import { renderRun } from './render-run.js';

/**
 * Follows a run until it ends. On a terminal the display redraws in place; otherwise a line
 * is printed each time the run's state changes.
 */
export async function watchRun(client: KilnApiClient, runId: string, out: NodeJS.WriteStream = process.stdout, intervalMs = 300): Promise<RunView> {
  return liveView(
    () => client.getRun(runId),
    renderRun,
    (run) => isTerminal(run.status),
    out,
    intervalMs,
  );
}
