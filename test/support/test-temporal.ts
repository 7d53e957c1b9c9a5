import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../core/config.js';
import { requireTool } from '../../core/environments/tool-paths.js';
import { startDevServerOnFreePort } from '../../core/temporal/dev-server.js';

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
  const dir = mkdtempSync(join(tmpdir(), 'kiln-test-temporal-'));
  try {
    const server = await startDevServerOnFreePort({
      temporalBinary: await requireTool(loadConfig(), 'temporal'),
      dbFile: join(dir, 'temporal.sqlite'),
      namespace: 'default',
    });
    project.provide('temporalAddress', server.address);
    return async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** As a vitest globalSetup (vitest.config.ts lists one per service a project needs). */
export default provideTestTemporal;
