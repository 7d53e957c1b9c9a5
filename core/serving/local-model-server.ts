import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BackendUnavailableError } from '../errors.js';
import { pidScope, thisProcessHost, type ProcessHost } from '../executors/local/process-host.js';
import { freePort } from '../net/free-port.js';

export interface ModelServerLaunch {
  pythonExecutable: string;
  /** Directory the server runs in (the project's source snapshot, for the predict entrypoint). */
  workingDirectory: string;
  env: Record<string, string>;
  logFile: string;
  healthTimeoutMs?: number;
}

export interface RunningModelServer {
  pid: number;
  port: number;
  url: string;
}

/**
 * Starts `python -m kiln_sdk.serve` as its own process group that outlives the worker (the
 * model keeps serving across worker restarts), and returns once /health answers.
 */
export async function startModelServer(launch: ModelServerLaunch): Promise<RunningModelServer> {
  const port = await freePort();
  mkdirSync(dirname(launch.logFile), { recursive: true });
  const log = openSync(launch.logFile, 'a');
  const child = spawn(launch.pythonExecutable, ['-m', 'kiln_sdk.serve'], {
    cwd: launch.workingDirectory,
    env: { ...launch.env, KILN_SERVE_PORT: String(port) },
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new BackendUnavailableError('serving', `could not start ${launch.pythonExecutable}`);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (launch.healthTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await isHealthy(url)) return { pid, port, url };
    await new Promise((r) => setTimeout(r, 100));
  }
  stopModelServer(pid);
  throw new BackendUnavailableError('serving', `model server did not become healthy on ${url}; see ${launch.logFile}`);
}

export async function isHealthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** Stops a model server's whole process group; a server already gone is fine. */
export function stopModelServer(pid: number): void {
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    // already exited
  }
}

/** `server.json` in a server's directory: its pid and where that pid is valid. */
interface ServerOwnerRecord {
  pid: number;
  host: ProcessHost;
}

/** Records that `pid`, started here, is the server of the deployment whose files live in `dir`. */
export function recordServerOwner(dir: string, pid: number): void {
  const record: ServerOwnerRecord = { pid, host: thisProcessHost() };
  writeFileSync(`${dir}/server.json`, JSON.stringify(record));
}

/** The pid `server.json` in `dir` records, if any. */
export function recordedServerPid(dir: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(`${dir}/server.json`, 'utf8')) as ServerOwnerRecord).pid;
  } catch {
    return undefined;
  }
}

/**
 * Stops the server of the deployment in `dir` when `pid` (from the registry, which other hosts
 * may share) is the one this host started since its last boot, as `server.json` says; any other
 * pid names someone else's process, and is left alone. Returns whether it signalled.
 */
export function stopOwnedModelServer(dir: string, pid: number): boolean {
  let record: ServerOwnerRecord | undefined;
  try {
    record = JSON.parse(readFileSync(`${dir}/server.json`, 'utf8')) as ServerOwnerRecord;
  } catch {
    return false;
  }
  if (record.pid !== pid || pidScope(record.host) !== 'this-boot') return false;
  stopModelServer(pid);
  return true;
}
