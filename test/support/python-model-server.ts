import { expect } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { RUN_CONTRACT_ENV as E } from '../../core/runner/run-contract.js';

export const SDK_DIR = resolve(import.meta.dirname, '../../sdk/python');
export const TEST_PYTHON = process.env.KILN_TEST_PYTHON ?? 'python3';
/** The SDK's toy model project (sdk/python/tests/fixtures/toy). */
export const TOY_PROJECT = join(SDK_DIR, 'tests/fixtures/toy');

export interface ServeProcess {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

/**
 * Starts `python -m kiln_sdk.serve` in `sourceDir` (default the toy project) with the host's
 * KILN_* variables removed; resolves once it prints its port, rejects with its stderr.
 */
export function startServe(env: Record<string, string>, sourceDir = TOY_PROJECT): Promise<ServeProcess & { port: number }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KILN_'))) as Record<string, string>;
  const child = spawn(TEST_PYTHON, ['-m', 'kiln_sdk.serve'], {
    cwd: sourceDir,
    env: { ...base, PYTHONPATH: SDK_DIR, PYTHONDONTWRITEBYTECODE: '1', [E.sourceDir]: sourceDir, ...env },
  });
  const server: ServeProcess = { child, stdout: '', stderr: '', exited: new Promise((r) => child.on('close', (code) => r(code))) };
  return new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${server.stderr}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => (server.stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      server.stdout += d.toString();
      const m = /^KILN_SERVING port=(\d+)$/m.exec(server.stdout);
      if (m) {
        clearTimeout(timer);
        resolvePort(Object.assign(server, { port: Number(m[1]) }));
      }
    });
    void server.exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`serve exited ${code}: ${server.stderr}`), { code, stderr: server.stderr }));
    });
  });
}

/** A model server's answer: these predictions, each with a prediction id (`<version>-<ms hex>-<16 hex>`). */
export function answerOf(predictions: unknown[]): { predictions: unknown[]; prediction_ids: unknown[] } {
  return { predictions, prediction_ids: predictions.map(() => expect.stringMatching(/^\d+-[0-9a-f]+-[0-9a-f]{16}$/)) };
}
