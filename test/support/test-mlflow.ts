import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../core/config.js';
import { requireTool } from '../../core/environments/tool-paths.js';
import { startMlflowServerOnFreePort } from './mlflow-server.js';
import { serviceInTempDir } from './service-in-temp-dir.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the project's own MLflow tracking server. */
    mlflowUrl: string;
  }
}

/**
 * Provides `mlflowUrl`: a real MLflow tracking server (PyPI mlflow, pinned in
 * scripts/tool-versions.sh) on a free loopback port, with a throwaway SQLite backend store and
 * a temporary artifact root. Never skips: a missing install fails the run naming `make mlflow-tools`.
 */
export async function provideTestMlflow(project: TestProject): Promise<() => Promise<void>> {
  const binary = await requireTool(loadConfig(), 'mlflow');
  return serviceInTempDir('kiln-test-mlflow-', async (dir) => {
    const server = await startMlflowServerOnFreePort(binary, dir);
    // The server loads its search code on the first search (seconds here): pay that before the tests' deadlines start.
    await fetch(`${server.url}/api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ experiment_ids: ['0'], max_results: 1 }),
    });
    project.provide('mlflowUrl', server.url);
    return server;
  });
}

/** As a vitest globalSetup (vitest.config.ts lists one per service a project needs). */
export default provideTestMlflow;
