import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../core/config.js';
import { requireTool } from '../../core/environments/tool-paths.js';
import { startDevServerOnFreePort } from '../../core/temporal/dev-server.js';
import { serviceInTempDir } from './service-in-temp-dir.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `127.0.0.1:<port>` of the project's own Temporal dev server. */
    temporalAddress: string;
  }
}

/**
 * Provides `temporalAddress`: one real Temporal dev server (never a mock) for the project's
 * test files, headless, on a free loopback port and a throwaway SQLite file. Returns the teardown.
 */
export async function provideTestTemporal(project: TestProject): Promise<() => Promise<void>> {
  const temporalBinary = await requireTool(loadConfig(), 'temporal');
  return serviceInTempDir('kiln-test-temporal-', async (dir) => {
    const server = await startDevServerOnFreePort({ temporalBinary, dbFile: join(dir, 'temporal.sqlite'), namespace: 'default' });
    project.provide('temporalAddress', server.address);
    return server;
  });
}

/** As a vitest globalSetup (vitest.config.ts lists one per service a project needs). */
export default provideTestTemporal;
