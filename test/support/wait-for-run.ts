import type { KilnApiClient, RunView } from '../../api/client/kiln-api-client.js';
import { isTerminal } from '../../core/pipeline/run-progress.js';
import { eventually } from './process-check.js';

/**
 * Polls a run through the API until it ends (or the deadline passes) and returns its last
 * view. A failed poll keeps the previous view: chaos tests restart servers under it.
 */
export async function waitForRun(client: KilnApiClient, runId: string, timeoutMs = 120_000): Promise<RunView> {
  let run = await client.getRun(runId);
  await eventually(async () => isTerminal((run = await client.getRun(runId).catch(() => run)).status), timeoutMs, 200);
  return run;
}

/** Starts a run and waits for it to end. */
export async function runToEnd(client: KilnApiClient, request: Parameters<KilnApiClient['startRun']>[0], timeoutMs = 120_000): Promise<RunView> {
  const { run_id } = await client.startRun(request);
  return waitForRun(client, run_id, timeoutMs);
}
