import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';
import { RUN_CONTRACT_ENV as E } from '../../core/runner/run-contract.js';
import { startServe, type ServeProcess } from './python-model-server.js';

/** The probe models (test/fixtures/serving/src/batch_probe.py): each instance `[x]` answered `[x, size of its predict call]`. */
const PROBES = resolve(import.meta.dirname, '../fixtures/serving/src');

export interface PredictAnswer {
  status: number;
  retryAfter: string | null;
  /** `X-Kiln-Workers`: sent by a server with more than one worker process. */
  workers: string | null;
  body: { predictions?: number[][]; error?: string };
}

/**
 * `serveProbe(delay, env, model)` starts `python -m kiln_sdk.serve` on a probe model whose
 * predict pauses `delay` seconds, with these KILN_SERVE_* settings; every server the file
 * started is killed after its tests.
 */
export function useProbeServers() {
  const root = mkdtempSync(join(tmpdir(), 'kiln-model-server-'));
  const servers: ServeProcess[] = [];
  afterAll(() => {
    for (const server of servers) server.child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });
  return async function serveProbe(delay: number, env: Record<string, string> = {}, model = 'BatchProbe') {
    const modelDir = mkdtempSync(join(root, 'model-'));
    writeFileSync(join(modelDir, 'probe.json'), JSON.stringify({ delay }));
    const server = await startServe({ [E.entrypoint]: `batch_probe.py:${model}`, [E.modelDir]: modelDir, [E.servePort]: '0', ...env }, PROBES);
    servers.push(server);
    const url = `http://127.0.0.1:${server.port}`;
    const predict = async (xs: number[]): Promise<PredictAnswer> => {
      const res = await fetch(`${url}/predict`, { method: 'POST', body: JSON.stringify({ instances: xs.map((x) => [x]) }) });
      return {
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        workers: res.headers.get('x-kiln-workers'),
        body: (await res.json()) as PredictAnswer['body'],
      };
    };
    const health = async () => (await (await fetch(`${url}/health`)).json()) as { server: Record<string, number> };
    // Assigned, not spread: the server's stdout and stderr keep growing.
    return Object.assign(server, { url, predict, health });
  };
}
