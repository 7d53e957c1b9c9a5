/**
 * Records the workflow histories that pipeline-workflow.test.ts replays (test/workflows/histories/).
 * Tests only read them; re-record deliberately, after a change that is meant to alter the
 * workflow's commands (and guard running workflows with `patched()`):
 *
 *   npx tsx test/workflows/record-histories.ts
 *
 * Starts a throwaway dev server, runs each scenario with the test-double activities, writes JSON.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../core/config.js';
import { requireTool } from '../../core/environments/tool-paths.js';
import { startDevServer } from '../../core/temporal/dev-server.js';
import { freePort } from '../../core/net/free-port.js';
import { bundleKilnWorkflows, fakeActivities, historyToFixtureJSON, installQuietRuntime, openTemporalEnv, pipelineInput, startPipeline, withWorker } from './workflow-harness.js';

const HISTORIES_DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'histories');

async function main(): Promise<void> {
  installQuietRuntime();
  const dir = mkdtempSync(join(tmpdir(), 'kiln-record-histories-'));
  const server = await startDevServer({
    temporalBinary: await requireTool(loadConfig(), 'temporal'),
    dbFile: join(dir, 'temporal.sqlite'),
    port: await freePort(),
    namespace: 'default',
  });
  try {
    const env = await openTemporalEnv(server.address, await bundleKilnWorkflows());
    try {
      mkdirSync(HISTORIES_DIR, { recursive: true });
      const fakes = fakeActivities();
      const input = pipelineInput({ runId: 'iris-20250101-000000-0000' });
      const history = await withWorker(env, fakes.activities, async (taskQueue) => {
        const handle = await startPipeline(env, taskQueue, input);
        const result = await handle.result();
        if (result.status !== 'succeeded') throw new Error(`happy path ended ${result.status}`);
        return handle.fetchHistory();
      });
      const file = join(HISTORIES_DIR, 'pipeline-happy-path.json');
      writeFileSync(file, historyToFixtureJSON(history));
      console.log(`wrote ${file} (${history.events?.length ?? 0} events)`);
    } finally {
      await env.close();
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
