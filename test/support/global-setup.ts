import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../core/config.js';
import { requireTool } from '../../core/environments/tool-paths.js';
import { startDevServer } from '../../core/temporal/dev-server.js';
import { freePort } from '../../core/net/free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

/** One real Temporal dev server for the whole test run (never a mock), on free loopback ports. */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-test-temporal-'));
  const server = await startDevServer({
    temporalBinary: await requireTool(loadConfig(), 'temporal'),
    dbFile: join(dir, 'temporal.sqlite'),
    port: await freePort(),
    namespace: 'default',
  });
  project.provide('temporalAddress', server.address);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
