import { stoppingItsBuilds } from '../support/orphan-builds.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { KilnApiClient } from '../../api/client/kiln-api-client.js';
import { KilnApiClient as ApiClient } from '../../api/client/kiln-api-client.js';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import { checkpointPrefix } from '../../core/artifacts/artifact-keys.js';
import { checkpointStep } from '../../core/checkpoints/checkpoint-ref.js';
import { loadConfig, type ConfigOverrides, type KilnConfig } from '../../core/config.js';
import type { RunningGroupRecord } from '../../core/executors/local/running-groups.js';
import { startEmbeddedStack, type EmbeddedStack } from '../../workers/embedded-stack.js';
import { runningPaths } from '../../workers/orphan-cleanup.js';
import { eventually } from '../support/process-check.js';

const REPO = join(__dirname, '..', '..');
const FIXTURES = join(__dirname, '..', 'fixtures');

/** A trainer long enough to be interrupted: 50 steps of 0.15 s, a checkpoint after each. */
export const LONG_TRAIN = { extras: { steps: 50, step_seconds: 0.15 } };

/** An API-only stack (no worker in this process) on a fresh data directory and task queue, with a fixture's specs applied. */
export async function startApiOnly(
  name: string,
  fixture: 'checkpointing' | 'sleepy' | { specFile: string },
  overrides: ConfigOverrides = {},
): Promise<{ stack: EmbeddedStack; client: KilnApiClient; config: KilnConfig }> {
  const config = loadConfig({
    home: mkdtempSync(join(tmpdir(), `kiln-chaos-${name}-`)),
    temporalAddress: inject('temporalAddress'),
    taskQueue: `kiln-chaos-${name}-${process.pid}`,
    dataRoots: [REPO, tmpdir()],
    ...overrides,
  });
  const stack = stoppingItsBuilds(await startEmbeddedStack(config, { worker: false, ephemeralApiPort: true }), config.taskQueue);
  const client = new ApiClient(stack.apiUrl!, { token: stack.adminToken });
  await applySpecFile(client, readSpecFile(typeof fixture === 'string' ? join(FIXTURES, fixture, 'kiln.json') : fixture.specFile));
  return { stack, client, config };
}

/** `kiln worker` as its own process, sharing the data directory; resolves once it polls. */
export class WorkerProcess {
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
  }

  static async start(config: KilnConfig, timeoutMs = 60_000): Promise<WorkerProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'api', 'cli', 'main.ts'), 'worker'], {
      cwd: REPO,
      env: { ...process.env, KILN_HOME: config.home, TEMPORAL_ADDRESS: config.temporalAddress!, KILN_TASK_QUEUE: config.taskQueue },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const worker = new WorkerProcess(child);
    const up = await Promise.race([eventually(() => worker.output.join('').includes('Kiln is up'), timeoutMs, 50), worker.exited.then(() => false)]);
    if (!up) {
      child.kill('SIGKILL');
      throw new Error(`kiln worker did not start:\n${worker.output.join('')}`);
    }
    return worker;
  }

  get pid(): number {
    return this.child.pid!;
  }
}

export { waitForRun } from '../support/wait-for-run.js';

/** The highest checkpoint step uploaded for the run's train stage so far (-1: none). */
export async function uploadedCheckpointStep(stack: EmbeddedStack, runId: string): Promise<number> {
  const prefix = checkpointPrefix(runId, 'train');
  const steps = (await stack.backends.artifacts.list(prefix)).map((key) => checkpointStep(key.slice(prefix.length + 1)) ?? -1);
  return Math.max(-1, ...steps);
}

/** Stage process groups currently recorded as running in this data directory. */
export function recordedGroups(home: string): RunningGroupRecord[] {
  const dir = runningPaths(home).groups;
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith('.json')).map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as RunningGroupRecord);
}

/** Waits until the train stage of `runId` has uploaded a checkpoint at `step` or later, and returns its process group record. */
export async function waitForTrainCheckpoint(stack: EmbeddedStack, home: string, runId: string, step: number, timeoutMs = 90_000): Promise<RunningGroupRecord> {
  const ok = await eventually(async () => (await uploadedCheckpointStep(stack, runId)) >= step, timeoutMs, 100);
  if (!ok) throw new Error(`no checkpoint at step ${step} for ${runId} within ${timeoutMs} ms`);
  const group = recordedGroups(home).find((g) => g.stageId.startsWith(`${runId}/train/`));
  if (!group) throw new Error(`no running train group recorded for ${runId}`);
  return group;
}

/** The newest checkpoint a train attempt wrote in its local workspace (-1: none). */
export function newestLocalCheckpoint(home: string, runId: string, attempt: number): number {
  let names: string[] = [];
  try {
    names = readdirSync(join(home, 'work', runId, `train-${attempt}`, 'checkpoints'));
  } catch {
    return -1;
  }
  return Math.max(-1, ...names.map((n) => checkpointStep(n) ?? -1));
}

export const withoutResumeMarker = ({ resumed_from_step: _, ...rest }: Record<string, number>) => rest;
