import { isTerminal } from '../../core/pipeline/run-progress.js';
import type { KilnApiClient, RunView } from '../client/kiln-api-client.js';
import { renderRun } from './render-run.js';

/**
 * Follows a run until it ends. On a terminal the display redraws in place; otherwise a line
 * is printed each time the run's state changes.
 */
export async function watchRun(client: KilnApiClient, runId: string, out: NodeJS.WriteStream = process.stdout, intervalMs = 300): Promise<RunView> {
  let previous: string[] = [];
  for (;;) {
    const run = await client.getRun(runId);
    const lines = renderRun(run);
    if (out.isTTY) {
      if (previous.length) out.write(`\x1b[${previous.length}A`);
      out.write(lines.map((l) => `\x1b[2K${l}\n`).join(''));
    } else {
      for (const line of lines) if (!previous.includes(line)) out.write(`${line}\n`);
    }
    previous = lines;
    if (isTerminal(run.status)) return run;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
