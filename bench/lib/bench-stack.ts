import { freePort } from '../../core/net/free-port.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KilnApiClient } from '../../api/client/kiln-api-client.js';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import { ENV_NAMES, loadConfig, type KilnConfig } from '../../core/config.js';
import { startEmbeddedStack, type EmbeddedStack } from '../../workers/embedded-stack.js';
import { Tracer } from './trace.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const EXAMPLE_FILE = join(ROOT, 'examples/breast-cancer/kiln.json');
export const PROBE_FILE = join(ROOT, 'bench/fixtures/probe/kiln.json');
/** The example under another name and without serving, so a model server start is not measured. */
export const BENCH_PROJECT = 'breast-cancer-bench';
/** The same project with warm starts off (`warm_start: false`): every stage a fresh interpreter. */
export const COLD_BENCH_PROJECT = 'breast-cancer-bench-cold';
export const PROBE_PROJECT = 'bench-probe';

export interface BenchStack {
  config: KilnConfig;
  stack: EmbeddedStack;
  client: KilnApiClient;
  tracer: Tracer;
  /** Source dir of the benchmarked example project (absolute). */
  exampleSourceDir: string;
  /** Stops the stack and removes the temporary data directory. */
  dispose(): Promise<void>;
}

/**
 * A fresh embedded stack (its own Temporal dev server, data directory, worker and API on free
 * ports) with the example (as BENCH_PROJECT, serve off) and the probe project applied.
 * `traced: false` leaves the backends as they are: a bench of the API's hot path would otherwise
 * count the tracer's span per metadata call (a token's use is one) as the API's cost.
 */
export async function startBenchStack({ traced = true }: { traced?: boolean } = {}): Promise<BenchStack> {
  const home = mkdtempSync(join(tmpdir(), 'kiln-bench-'));
  // Always supervise a private dev server, even when the caller's shell points at another Temporal.
  const env = { ...process.env };
  delete env[ENV_NAMES.temporalAddress];
  // Benchmarks copy datasets into temporary directories: those are data roots here, beside the repository.
  const config = loadConfig(
    {
      home,
      temporalAddress: undefined,
      temporalPort: await freePort(),
      temporalUiPort: await freePort(),
      taskQueue: 'kiln-bench',
      dataRoots: [ROOT, tmpdir()],
    },
    env,
  );
  let stack: EmbeddedStack;
  try {
    stack = await startEmbeddedStack(config, { ephemeralApiPort: true });
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
  const dispose = async () => {
    try {
      await stack.stop();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  };
  try {
    const tracer = new Tracer();
    if (traced) tracer.instrument(stack.backends);
    const client = new KilnApiClient(stack.apiUrl!, { token: stack.adminToken });
    const example = readSpecFile(EXAMPLE_FILE);
    example.project = { ...example.project!, name: BENCH_PROJECT, serve: false };
    await applySpecFile(client, example);
    await applySpecFile(client, { project: { ...example.project, name: COLD_BENCH_PROJECT, warm_start: false } });
    await applySpecFile(client, readSpecFile(PROBE_FILE));
    return { config, stack, client, tracer, exampleSourceDir: example.project.source_dir, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
