import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunView } from '../../api/client/kiln-api-client.js';
import { PROBE_PROJECT, type BenchStack } from './bench-stack.js';
import { attribute, type Breakdown } from './breakdown.js';
import { fetchRunHistory, type RunHistory } from './history.js';
import { now } from './trace.js';

export interface KilnRun {
  runId: string;
  /** Just before the HTTP submit (POST /v1/runs). */
  t0: number;
  /** When the submit answered. */
  submitted: number;
  /** When Temporal reported the workflow closed (long poll on its result, no polling). */
  end: number;
  wallMs: number;
  progress: RunView;
  history: RunHistory;
  /** Σ processMs over the stage steps. */
  processMs: number;
  /** Steps that ran, i.e. not skipped, without prepare/environment (run setup, not pipeline steps). */
  pipelineSteps: string[];
  /** Stage → ms from t0 until the worker called the executor (the spawn). */
  spawnAfterMs: Record<string, number>;
  breakdown: Breakdown;
}

const STAGES = ['preprocess', 'train', 'evaluate'];
const SETUP_STEPS = ['prepare', 'environment'];

/** Submits one run through the HTTP API and waits for it to finish; throws unless it succeeded. */
export async function measureKilnRun(bench: BenchStack, project: string, params: Record<string, unknown> = {}): Promise<KilnRun> {
  const t0 = now();
  const started = await bench.client.startRun({ project, params, cache: false });
  const submitted = now();
  await bench.stack.client.workflow
    .getHandle(started.workflow_id)
    .result()
    .catch(() => undefined);
  const end = now();
  const progress = await bench.client.getRun(started.run_id);
  if (progress.status !== 'succeeded') throw new Error(`run ${started.run_id} of ${project} ended ${progress.status}: ${progress.error ?? ''}`);
  const history = await fetchRunHistory(bench.stack.client, started.workflow_id);
  const stageSteps = progress.steps.filter((s) => STAGES.includes(s.step) && s.status !== 'skipped');
  const spawnAfterMs: Record<string, number> = {};
  for (const s of stageSteps) {
    const at = bench.tracer.spawnedAt.get(`${started.run_id}/${s.step}/${s.attempt ?? 1}`);
    if (at !== undefined) spawnAfterMs[s.step] = at - t0;
  }
  return {
    runId: started.run_id,
    t0,
    submitted,
    end,
    wallMs: end - t0,
    progress,
    history,
    processMs: stageSteps.reduce((sum, s) => sum + (s.processMs ?? 0), 0),
    pipelineSteps: progress.steps.filter((s) => s.status !== 'skipped' && !SETUP_STEPS.includes(s.step)).map((s) => s.step),
    spawnAfterMs,
    breakdown: attribute({ t0, submitted, end }, bench.tracer.within(t0, end), history),
  };
}

export interface ProbeRun {
  run: KilnRun;
  /** t0 → the worker spawning train. */
  spawnMs: number;
  /** t0 → the kernel creating the train process (/proc start time, 10 ms ticks); undefined off Linux. */
  processStartMs: number | undefined;
  /** t0 → the probe's train function running (after interpreter start and kiln_sdk). */
  codeStartMs: number;
}

/** A probe run: no preprocess, so train is the first stage process; it records its own start. */
export async function measureProbeRun(bench: BenchStack): Promise<ProbeRun> {
  const dir = mkdtempSync(join(bench.config.home, 'probe-'));
  try {
    const file = join(dir, 'started.json');
    const run = await measureKilnRun(bench, PROBE_PROJECT, { extras: { timestamp_file: file } });
    const stamps = JSON.parse(readFileSync(file, 'utf8')) as { process_start: number | null; code_start: number };
    return {
      run,
      spawnMs: run.spawnAfterMs.train ?? NaN,
      processStartMs: stamps.process_start === null ? undefined : stamps.process_start * 1000 - run.t0,
      codeStartMs: stamps.code_start * 1000 - run.t0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
