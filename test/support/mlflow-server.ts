import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onFreePort } from '../../core/net/free-port.js';

export interface MlflowServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** The server ended before it answered: most often its port was taken between choosing and binding it. */
export class MlflowServerExitedError extends Error {
  override readonly name = 'MlflowServerExitedError';
  constructor(
    readonly exitCode: number | null,
    readonly port: number,
    readonly logTail: string,
  ) {
    super(`mlflow server exited with code ${exitCode} before it was ready on port ${port}:\n${logTail}`);
  }
}

/**
 * `mlflow server` on a SQLite backend store and a file artifact root under `dir`, on a loopback
 * `port`; resolves once `/health` answers. One worker process: the tests are its only clients.
 */
export async function startMlflowServer(binary: string, dir: string, port: number, readyTimeoutMs = 120_000): Promise<MlflowServer> {
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  const logFile = join(dir, `server-${port}.log`);
  const log = openSync(logFile, 'a');
  const args = ['server', '--backend-store-uri', `sqlite:///${join(dir, 'mlflow.sqlite')}`, '--default-artifact-root', join(dir, 'artifacts')];
  args.push('--host', '127.0.0.1', '--port', String(port), '--workers', '1');
  // Its own process group, so stop() ends the server's workers too.
  const child = spawn(binary, args, { stdio: ['ignore', log, log], detached: true, env: { ...process.env, MLFLOW_TRACKING_URI: '' } });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('error', () => {});
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(-child.pid!, 'SIGTERM');
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + readyTimeoutMs;
  let done = false;
  const ready = (async () => {
    while (!done && Date.now() < deadline) {
      const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (!done) throw new Error(`mlflow server gave no answer on ${url} within ${readyTimeoutMs} ms; see ${logFile}`);
  })();
  try {
    await Promise.race([
      ready,
      exited.then((code) => {
        throw new MlflowServerExitedError(code, port, readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n'));
      }),
    ]);
  } catch (error) {
    done = true;
    await stop();
    throw error;
  } finally {
    done = true;
  }
  return { url, port, stop };
}

/** As startMlflowServer on a free loopback port, starting again on another when the chosen one was taken first. */
export function startMlflowServerOnFreePort(binary: string, dir: string): Promise<MlflowServer> {
  return onFreePort(
    (port) => startMlflowServer(binary, dir, port),
    (error) => error instanceof MlflowServerExitedError,
  );
}
