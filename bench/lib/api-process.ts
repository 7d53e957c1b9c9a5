import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ENV_NAMES } from '../../core/config.js';
import { freePort } from '../../core/net/free-port.js';
import { ROOT, type BenchStack } from './bench-stack.js';
import { cpuSecondsOfPid } from './process-cpu.js';
import { started, type RunningServer } from './serving-servers.js';

/** `kiln api` in a process of its own beside a bench stack, as the chart deploys the API. */
export interface ApiProcess extends RunningServer {
  /** User + system CPU the process has used so far, in ms (from /proc). */
  cpuMs(): number;
}

const COMPILED_CLI = join(ROOT, 'bin/kiln.js');
const COMPILED_ENTRY = join(ROOT, 'dist/api/cli/main.js');

/**
 * Starts the compiled `kiln api` (what `make build` makes and the image runs) on the bench
 * stack's data directory and Temporal server: no worker and no stack in its process, so its
 * cost per request is the API's alone. Needs `make build` (`make bench-serving` runs it).
 */
export async function startApiProcess(bench: BenchStack): Promise<ApiProcess> {
  if (!existsSync(COMPILED_ENTRY)) throw new Error(`${COMPILED_ENTRY} is missing: run \`make build\` (or \`make bench-serving\`, which does)`);
  const port = await freePort();
  const { config } = bench;
  // A CPU profile of the API under load, written when it stops (NODE_OPTIONS may not carry --cpu-prof).
  const profile = process.env.KILN_BENCH_API_PROFILE_DIR;
  const child = spawn(process.execPath, [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []), COMPILED_CLI, 'api'], {
    env: {
      ...process.env,
      [ENV_NAMES.home]: config.home,
      [ENV_NAMES.temporalAddress]: bench.stack.temporalAddress,
      [ENV_NAMES.temporalNamespace]: config.temporalNamespace,
      [ENV_NAMES.taskQueue]: config.taskQueue,
      [ENV_NAMES.apiPort]: String(port),
      [ENV_NAMES.apiHost]: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = await started('kiln api', `http://127.0.0.1:${port}`, child, { healthPath: '/v1/health', timeoutMs: 30_000 });
  return {
    ...server,
    cpuMs: () => cpuSecondsOfPid(child.pid!) * 1000,
  };
}
