import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One wrk run: throughput, latency percentiles (ms) and every kind of failed request. */
export interface WrkResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx answers plus connect, read, write errors and timeouts. */
  errors: number;
}

/**
 * wrk (Debian's package) on PATH, installed with apt-get when missing (root, or sudo), as
 * scripts/mariadb.sh installs its server. Throws with what to do when that is impossible.
 */
export function ensureWrk(): string {
  if (spawnSync('wrk', ['--version']).error === undefined) return 'wrk';
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  process.stderr.write('bench: installing wrk (Debian package)\n');
  for (const args of [
    ['apt-get', 'update', '-qq'],
    ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', '-o', 'DPkg::Lock::Timeout=300', 'wrk'],
  ]) {
    const cmd = [...asRoot, ...args];
    const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
    if (r.status !== 0)
      throw new Error(`could not install wrk (${cmd.join(' ')}: ${(r.stderr || String(r.error)).trim().slice(-300)}); install it and run again`);
  }
  return 'wrk';
}

/** A wrk script that POSTs `body` as JSON, with these extra headers. */
export function postScript(dir: string, name: string, body: string, headers: Record<string, string> = {}): string {
  const path = join(dir, `${name}.lua`);
  const lines = [
    'wrk.method = "POST"',
    'wrk.headers["Content-Type"] = "application/json"',
    ...Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`),
    `wrk.body = ${JSON.stringify(body)}`,
  ];
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

function millis(value: string, unit: string): number {
  const scale: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
  return Number(value) * (scale[unit] ?? NaN);
}

export function parseWrk(output: string): WrkResult {
  const latency = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(output);
    return m ? millis(m[1]!, m[2]!) : NaN;
  };
  const sockets = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  const socketErrors = sockets ? sockets.slice(1).reduce((n, v) => n + Number(v), 0) : 0;
  return {
    requests: Number(/(\d+) requests in/.exec(output)?.[1] ?? NaN),
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? NaN),
    p50: latency('50'),
    p99: latency('99'),
    errors: socketErrors + Number(non2xx?.[1] ?? 0),
  };
}

/** `connections` clients (one wrk thread: the servers need the cores) for `seconds`. */
export async function wrk(url: string, script: string, connections: number, seconds: number): Promise<WrkResult> {
  const { stdout } = await run('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '--latency', '-s', script, url], { maxBuffer: 1 << 20 });
  return parseWrk(stdout);
}
