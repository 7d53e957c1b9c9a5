import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { BackendUnavailableError } from '../errors.js';
import { onFreePort } from '../net/free-port.js';
import { registerSearchAttributes } from './register-search-attributes.js';

export interface DevServerOptions {
  /** Path of the `temporal` CLI binary (pinned, from the tools cache). */
  temporalBinary: string;
  /** Persistent SQLite file; its parent directory is created. */
  dbFile: string;
  ip?: string;
  /** Frontend port (default 7233). */
  port: number;
  /** Web UI port (default 8233); `undefined` runs headless. */
  uiPort?: number;
  namespace: string;
  /** Server output goes here (default: next to the db file). */
  logFile?: string;
  /** How long to wait for readiness (default 60 s). */
  readyTimeoutMs?: number;
}

export interface DevServer {
  readonly address: string;
  readonly uiUrl: string | undefined;
  /** True when this process started the server (false: attached to one already running). */
  readonly owned: boolean;
  stop(): Promise<void>;
}

interface ServerRecord {
  pid: number;
  address: string;
  uiUrl?: string;
}

const HISTORY_TASK_QUEUES = ['transfer', 'timer', 'visibility'] as const;
const HISTORY_QUEUE_POLL_RPS = 1000;

/**
 * Starts `temporal server start-dev` on a persistent SQLite file, waits until it answers,
 * registers Kiln's search attributes, and stops it cleanly. If a live server started by
 * another Kiln process already owns this file, attaches to it instead: two servers on one
 * SQLite file would corrupt it.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const recordFile = join(dirname(options.dbFile), 'server.json');
  const running = readLiveRecord(recordFile);
  if (running) {
    const connection = await waitForFrontend(running.address, options.readyTimeoutMs ?? 10_000).catch(() => undefined);
    if (connection) {
      await registerSearchAttributes(connection, options.namespace);
      await connection.close();
      return { address: running.address, uiUrl: running.uiUrl, owned: false, stop: async () => {} };
    }
  }
  mkdirSync(dirname(options.dbFile), { recursive: true });
  const ip = options.ip ?? '127.0.0.1';
  const address = `${ip}:${options.port}`;
  const args = devServerArgs({ ...options, ip });
  const logFd = openSync(options.logFile ?? join(dirname(options.dbFile), 'server.log'), 'a');
  const child = spawn(options.temporalBinary, args, { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('error', () => {});
  const uiUrl = options.uiPort === undefined ? undefined : `http://${ip}:${options.uiPort}`;
  try {
    const connection = await Promise.race([
      waitForFrontend(address, options.readyTimeoutMs ?? 60_000),
      exited.then((code) => {
        throw new DevServerExitedError(code, options.port, options.logFile ?? join(dirname(options.dbFile), 'server.log'));
      }),
    ]);
    await registerSearchAttributes(connection, options.namespace);
    await connection.close();
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  writeFileSync(recordFile, JSON.stringify({ pid: child.pid ?? -1, address, uiUrl } satisfies ServerRecord));
  return { address, uiUrl, owned: true, stop: () => stopChild(child, exited, recordFile) };
}

/** The `temporal` command line for a server on `o.ip:o.port`. */
export function devServerArgs(o: Pick<DevServerOptions, 'dbFile' | 'port' | 'uiPort' | 'namespace'> & { ip: string }): string[] {
  const args = ['server', 'start-dev', '--db-filename', o.dbFile, '--ip', o.ip, '--port', String(o.port)];
  args.push('--namespace', o.namespace, '--log-level', 'warn', '--log-format', 'json');
  // Eager activities: the worker that completes a workflow task gets the next activity in the reply.
  args.push('--dynamic-config-value', 'system.enableActivityEagerExecution=true');
  // The history service reads each task queue (transfer: workflow and activity tasks; timer;
  // visibility) at most 20 times a second by default. The bucket's burst hides it for a few
  // runs, then every dispatch waits up to 50 ms: the pipeline-shaped no-op workflow took 250 ms, not 59.
  for (const queue of HISTORY_TASK_QUEUES) args.push('--dynamic-config-value', `history.${queue}ProcessorMaxPollRPS=${HISTORY_QUEUE_POLL_RPS}`);
  // WAL with synchronous=normal: safe against process crashes (the chaos the dev server sees),
  // and it spares an fsync on every history write, which dominates per-step latency.
  args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  if (o.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(o.uiPort));
  return args;
}

/** The server process ended before it answered: most often its port, or one it picks itself, was taken. */
export class DevServerExitedError extends BackendUnavailableError {
  constructor(
    readonly exitCode: number | null,
    readonly port: number,
    readonly logFile: string,
  ) {
    super('temporal', `dev server exited with code ${exitCode} before it was ready (port ${port} in use? see ${logFile})`);
  }
}

/** As `startDevServer` on a free loopback port (onFreePort: the server also picks internal ports of its own). */
export function startDevServerOnFreePort(options: Omit<DevServerOptions, 'port'>): Promise<DevServer> {
  return onFreePort(
    (port) => startDevServer({ ...options, port }),
    (error) => error instanceof DevServerExitedError,
  );
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>, recordFile: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(recordFile, { force: true });
}

/** The address of a live dev server another Kiln process supervises on `dbFile`, if any. */
export function runningDevServerAddress(dbFile: string): string | undefined {
  return readLiveRecord(join(dirname(dbFile), 'server.json'))?.address;
}

function readLiveRecord(file: string): ServerRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as ServerRecord;
    process.kill(record.pid, 0);
    return record;
  } catch {
    return undefined;
  }
}

/** Connects, retrying until the frontend answers a health request or the deadline passes. */
export async function waitForFrontend(address: string, timeoutMs: number): Promise<Connection> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.getSystemInfo({});
      return connection;
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new BackendUnavailableError('temporal', `no answer from ${address} within ${timeoutMs} ms`, { cause: lastError });
}
