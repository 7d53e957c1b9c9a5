import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KilnApiClient } from '../../api/client/kiln-api-client.js';
import { loadConfig, type KilnConfig } from '../../core/config.js';
import { requireTool } from '../../core/environments/tool-paths.js';
import { freePort } from '../../core/net/free-port.js';
import { startDevServer, type DevServer, type DevServerOptions } from '../../core/temporal/dev-server.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { LONG_TRAIN, startApiOnly, waitForRun, waitForTrainCheckpoint, WorkerProcess } from './chaos-support.js';

let server: DevServer | undefined;
let serverOptions: DevServerOptions;
let stack: EmbeddedStack;
let client: KilnApiClient;
let config: KilnConfig;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  // Its own dev server: stopping the shared one would break every other test file.
  serverOptions = {
    temporalBinary: await requireTool(loadConfig(), 'temporal'),
    dbFile: join(mkdtempSync(join(tmpdir(), 'kiln-chaos-temporal-')), 'temporal.sqlite'),
    port: await freePort(),
    namespace: 'default',
  };
  server = await startDevServer(serverOptions);
  ({ stack, client, config } = await startApiOnly('temporal-restart', 'checkpointing', { temporalAddress: server.address }));
  worker = await WorkerProcess.start(config);
});
afterAll(async () => {
  worker?.child.kill('SIGKILL');
  await stack?.stop();
  await server?.stop();
});

describe('the Temporal server restarting in the middle of a run', () => {
  it('the run completes once the server is back on the same database file', async () => {
    const { run_id } = await client.startRun({
      project: 'checkpointing',
      cache: false,
      params: LONG_TRAIN,
      run_policy: { retry_count_limit: 2, auto_resume: true, timeout_seconds: 120 },
    });
    await waitForTrainCheckpoint(stack, config.home, run_id, 5);
    await server!.stop();
    server = undefined;
    await new Promise((r) => setTimeout(r, 2_000));
    server = await startDevServer(serverOptions);

    const run = await waitForRun(client, run_id);
    expect(run.status).toBe('succeeded');
    expect(run.metrics.steps_trained).toBe(50);
    // The worker rode out the outage rather than crashing.
    expect(worker!.child.exitCode).toBeNull();
  });
});
