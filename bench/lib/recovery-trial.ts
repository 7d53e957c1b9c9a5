import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KilnApiClient, RunView } from '../../api/client/kiln-api-client.js';
import { checkpointStep } from '../../core/checkpoints/checkpoint-ref.js';
import { homePaths, type KilnConfig } from '../../core/config.js';
import type { RunningGroupRecord } from '../../core/executors/local/running-groups.js';
import { isTerminal } from '../../core/pipeline/run-progress.js';
import { stageAttemptId } from '../../core/pipeline/stage-attempt.js';
import { runningPaths } from '../../workers/orphan-cleanup.js';
import { RecoveryWorker, type WorkerLaunch } from './recovery-worker.js';

export interface TrialPlan {
  signal: 'SIGKILL' | 'SIGTERM';
  /** Where in the train stage's expected duration the worker is killed, 0–1. */
  killAt: number;
  steps: number;
  stepSeconds: number;
}

export interface TrialResult extends TrialPlan {
  run: RunView;
  /** Last step the killed attempt completed (its newest local checkpoint; it checkpoints every step). */
  lastStepBeforeKill: number;
  resumedFromStep: number;
  /** From spawning the replacement worker to its process printing that it polls. */
  workerStartupMs: number;
  /** From spawning the replacement worker to the resumed train process starting. */
  restartToResumeMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the checkpointing trainer on `worker`, kills the worker at `plan.killAt`, starts another, and measures the recovery. */
export async function runRecoveryTrial(
  client: KilnApiClient,
  config: KilnConfig,
  launch: WorkerLaunch,
  worker: RecoveryWorker,
  plan: TrialPlan,
): Promise<{ result: TrialResult; worker: RecoveryWorker }> {
  const { run_id } = await client.startRun({
    project: 'checkpointing',
    // Every trial trains for real: the stage cache would otherwise reuse the first one.
    cache: false,
    params: { extras: { steps: plan.steps, step_seconds: plan.stepSeconds } },
    run_policy: { retry_count_limit: 2, auto_resume: true, timeout_seconds: 300 },
  });
  const first = await waitForTrainGroup(config.home, run_id, 1);
  await sleep(Math.max(0, Date.parse(first.startedAt) + plan.killAt * plan.steps * plan.stepSeconds * 1000 - Date.now()));
  await worker.kill(plan.signal);
  const lastStepBeforeKill = await newestLocalCheckpoint(join(homePaths(config.home).work, run_id, 'train-1', 'checkpoints'));

  const next = RecoveryWorker.spawn(config, launch);
  await next.untilUp();
  const resumed = await waitForTrainGroup(config.home, run_id, 2);
  const run = await waitForRun(client, run_id);
  if (run.status !== 'succeeded') throw new Error(`run ${run_id} ended ${run.status}: ${run.error ?? ''}`);
  return {
    worker: next,
    result: {
      ...plan,
      run,
      lastStepBeforeKill,
      resumedFromStep: run.metrics.resumed_from_step ?? 0,
      workerStartupMs: next.upAt! - next.spawnedAt,
      restartToResumeMs: Date.parse(resumed.startedAt) - next.spawnedAt,
    },
  };
}

/** The process group record the local executor writes when attempt `attempt` of the run's train stage starts. */
async function waitForTrainGroup(home: string, runId: string, attempt: number, timeoutMs = 60_000): Promise<RunningGroupRecord> {
  const dir = runningPaths(home).groups;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const record = await readFile(join(dir, name), 'utf8')
        .then((t) => JSON.parse(t) as RunningGroupRecord)
        .catch(() => undefined);
      if (record?.stageId === stageAttemptId({ runId, step: 'train', attempt })) return record;
    }
    await sleep(10);
  }
  throw new Error(`train attempt ${attempt} of ${runId} did not start within ${timeoutMs} ms`);
}

async function newestLocalCheckpoint(dir: string): Promise<number> {
  const steps = (await readdir(dir).catch(() => [] as string[])).map((n) => checkpointStep(n) ?? 0);
  return Math.max(0, ...steps);
}

async function waitForRun(client: KilnApiClient, runId: string, timeoutMs = 180_000): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await client.getRun(runId).catch(() => undefined);
    if (run && isTerminal(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish within ${timeoutMs} ms`);
    await sleep(200);
  }
}
