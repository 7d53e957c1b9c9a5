/**
 * Kiln recovery benchmark (on demand, not part of the tests): `make bench-recovery`, or
 * `npx tsx bench/recovery.ts [--trials N] [--seed S] [--source]`.
 *
 * Runs the checkpointing trainer (a checkpoint after every step) on a `kiln worker` process,
 * kills the worker at a seeded random point of training (SIGKILL: a lost machine process;
 * SIGTERM: a graceful stop), starts a new worker and measures: time from the new worker's
 * start to the resumed train process starting, and the work lost in steps (last step reached
 * before the kill − step resumed from). Targets are reported as PASS/MISS, never asserted.
 */
import { seededRandom } from '../core/datasets/seeded-random.js';
import { availableParallelism, loadavg } from 'node:os';
import type { RunView } from '../api/client/kiln-api-client.js';
import { show, summarize, table, verdict, type Row } from './lib/report.js';
import { startRecoveryStack } from './lib/recovery-stack.js';
import { runRecoveryTrial, type TrialResult } from './lib/recovery-trial.js';
import { defaultLaunch, RecoveryWorker, type WorkerLaunch } from './lib/recovery-worker.js';

const RESUME_TARGET_MS = 5_000;
/** The trainer checkpoints after every step. */
const CHECKPOINT_INTERVAL_STEPS = 1;
const STEPS = 80;
const STEP_SECONDS = 0.25;

interface Options {
  trials: number;
  seed: number;
  launch: WorkerLaunch;
}

function parseOptions(argv: string[]): Options {
  const int = (flag: string, fallback: number) => {
    const i = argv.indexOf(flag);
    if (i === -1) return fallback;
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag}: expected a non-negative integer, got ${JSON.stringify(argv[i + 1])}`);
    return n;
  };
  return { trials: Math.max(1, int('--trials', 3)), seed: int('--seed', 1), launch: argv.includes('--source') ? 'source' : defaultLaunch() };
}

const say = (message: string) => process.stderr.write(`bench: ${message}\n`);

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const random = seededRandom(options.seed);
  say(`starting a private Temporal dev server and the API; workers run as separate processes (${options.launch})`);
  const bench = await startRecoveryStack();
  let worker = RecoveryWorker.spawn(bench.config, options.launch);
  try {
    await worker.untilUp();
    say('warm-up: an uninterrupted run (builds the environment; its metrics are the reference)');
    const { run_id } = await bench.client.startRun({
      project: 'checkpointing',
      cache: false,
      params: { extras: { steps: STEPS, step_seconds: STEP_SECONDS } },
    });
    const reference = await waitForSuccess(bench.client, run_id);
    const results: TrialResult[] = [];
    for (let i = 1; i <= options.trials; i++) {
      for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
        // Early enough that a SIGTERMed train stage outlasts the worker's 5 s shutdown grace (else it just finishes there).
        const killAt = 0.15 + 0.45 * random();
        say(`trial ${i}/${options.trials}: ${signal} the worker at ${(killAt * 100).toFixed(0)}% of training`);
        const trial = await runRecoveryTrial(bench.client, bench.config, options.launch, worker, { signal, killAt, steps: STEPS, stepSeconds: STEP_SECONDS });
        worker = trial.worker;
        results.push(trial.result);
        say(
          `  reached step ${trial.result.lastStepBeforeKill}, resumed from ${trial.result.resumedFromStep}, ${trial.result.restartToResumeMs} ms after restart`,
        );
      }
    }
    process.stdout.write(`${report(results, reference)}\n`);
    process.stdout.write(
      `\nseed ${options.seed}; machine: ${availableParallelism()} cores, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
    );
  } finally {
    say('stopping');
    await worker.kill('SIGKILL').catch(() => {});
    await bench.dispose();
  }
}

async function waitForSuccess(client: Awaited<ReturnType<typeof startRecoveryStack>>['client'], runId: string): Promise<RunView> {
  for (;;) {
    const run = await client.getRun(runId);
    if (run.status === 'succeeded') return run;
    if (['failed', 'rejected', 'cancelled'].includes(run.status)) throw new Error(`warm-up run ${runId} ended ${run.status}: ${run.error ?? ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function report(results: TrialResult[], reference: RunView): string {
  const perTrial: Row[] = results.map((r) => {
    const lost = r.lastStepBeforeKill - r.resumedFromStep;
    const same = r.run.metrics.w === reference.metrics.w && r.run.metrics.steps_trained === reference.metrics.steps_trained;
    return {
      metric: `${r.signal.padEnd(7)} at ${(r.killAt * 100).toFixed(0).padStart(2)}%: reached step ${r.lastStepBeforeKill}, resumed from ${r.resumedFromStep}${same ? '' : ' (METRICS DIFFER)'}`,
      value: `lost ${lost} step(s), resumed ${(r.restartToResumeMs / 1000).toFixed(2)} s after restart (worker up in ${(r.workerStartupMs / 1000).toFixed(2)} s)`,
      verdict: lost <= CHECKPOINT_INTERVAL_STEPS && r.restartToResumeMs <= RESUME_TARGET_MS && same ? 'PASS' : 'MISS',
    };
  });
  const rows: Row[] = [];
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    const of = results.filter((r) => r.signal === signal);
    const lost = summarize(of.map((r) => r.lastStepBeforeKill - r.resumedFromStep));
    const resume = summarize(of.map((r) => r.restartToResumeMs));
    rows.push(
      {
        metric: `${signal}: work lost (steps)`,
        value: `${lost.median} [${lost.min}–${lost.max}]`,
        target: `≤ ${CHECKPOINT_INTERVAL_STEPS} (checkpoint interval)`,
        verdict: verdict(lost.max, CHECKPOINT_INTERVAL_STEPS),
      },
      {
        metric: `${signal}: worker restart → resumed train process`,
        value: show(resume, 's'),
        target: `≤ ${RESUME_TARGET_MS / 1000} s`,
        verdict: verdict(resume.max, RESUME_TARGET_MS),
      },
      { metric: `${signal}: of which worker start-up`, value: show(summarize(of.map((r) => r.workerStartupMs)), 's') },
    );
  }
  const setup = `trainer: ${STEPS} steps of ${STEP_SECONDS} s, a checkpoint after every step; ${results.length / 2} kill(s) per signal`;
  return [setup, '', table(perTrial, ['trial', 'result', '']), '', table(rows)].join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
