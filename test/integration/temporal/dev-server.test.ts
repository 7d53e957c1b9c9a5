import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config.js';
import { requireTool } from '../../../core/environments/tool-paths.js';
import { startDevServer, type DevServer } from '../../../core/temporal/dev-server.js';
import { KILN_SEARCH_ATTRIBUTES } from '../../../core/temporal/search-attributes.js';
import { freePort } from '../../../core/net/free-port.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-devserver-'));
const servers: DevServer[] = [];
afterAll(async () => {
  for (const s of servers.reverse()) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function start(port: number, uiPort?: number): Promise<DevServer> {
  const server = await startDevServer({
    temporalBinary: await requireTool(loadConfig(), 'temporal'),
    dbFile: join(dir, 'temporal.sqlite'),
    port,
    uiPort,
    namespace: 'default',
  });
  servers.push(server);
  return server;
}

async function withClient<T>(address: string, fn: (client: Client, connection: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await fn(new Client({ connection }), connection);
  } finally {
    await connection.close();
  }
}

describe('the supervised Temporal dev server', () => {
  it('starts on a persistent SQLite file with the Web UI and Kiln search attributes, and keeps workflows across a restart', async () => {
    const [port, uiPort] = [await freePort(), await freePort()];
    const first = await start(port, uiPort);
    expect(first.owned).toBe(true);
    expect((await fetch(first.uiUrl!)).ok).toBe(true);
    await withClient(first.address, async (client, connection) => {
      const attributes = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      expect(Object.keys(attributes.customAttributes ?? {})).toEqual(expect.arrayContaining(KILN_SEARCH_ATTRIBUTES.map((k) => k.name)));
      // No worker polls this queue, so the workflow stays open: it must survive the restart.
      await client.workflow.start('neverPolled', { taskQueue: 'nobody', workflowId: 'survives-restart' });
    });
    await first.stop();

    const second = await start(port);
    await withClient(second.address, async (client) => {
      const description = await client.workflow.getHandle('survives-restart').describe();
      expect(description.status.name).toBe('RUNNING');
    });
  });

  it('a second Kiln process on the same data directory attaches to the running server instead of starting another', async () => {
    const running = servers.at(-1)!;
    const attached = await start(await freePort());
    expect(attached.owned).toBe(false);
    expect(attached.address).toBe(running.address);
  });

  it('reports a clear error when the port is taken', async () => {
    const port = await freePort();
    const blocker = (await import('node:net')).createServer().listen(port, '127.0.0.1');
    try {
      const other = join(mkdtempSync(join(tmpdir(), 'kiln-devserver-busy-')), 'temporal.sqlite');
      const error = await startDevServer({
        temporalBinary: await requireTool(loadConfig(), 'temporal'),
        dbFile: other,
        port,
        namespace: 'default',
        readyTimeoutMs: 15_000,
      }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(/temporal: (dev server exited|no answer)/);
    } finally {
      blocker.close();
    }
  });
});
