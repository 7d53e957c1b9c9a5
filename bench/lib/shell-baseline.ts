import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetVersionPrefix } from '../../core/artifacts/artifact-keys.js';
import { homePaths } from '../../core/config.js';
import { VenvBuilder } from '../../core/environments/venv-builder.js';
import { STAGES } from '../../core/pipeline/stage-names.js';
import { stageEnvironment } from '../../core/runner/stage-environment.js';
import type { BenchStack } from './bench-stack.js';
import { now } from './trace.js';

export interface ShellBaseline {
  root: string;
  script: string;
  timesFile: string;
}

export interface ShellRun {
  wallMs: number;
  /** Stage → its process's wall time, measured by bash around the command. */
  processMs: Record<string, number>;
}

export interface ShellInputs {
  environmentDigest: string;
  dataset: string;
  datasetVersion: string;
  params: Record<string, unknown>;
  entrypoints: Record<string, string>;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The example's three stage commands, back to back in one bash: the same `python -m kiln_sdk.stage`,
 * venv, run-contract environment, dataset version and params as Kiln, on a workspace prepared
 * here beforehand (each stage writes straight into the inputs directory the next one reads).
 */
export async function prepareShellBaseline(bench: BenchStack, inputs: ShellInputs): Promise<ShellBaseline> {
  const { backends } = bench.stack;
  // The venv the stack's local platform built, found where it builds them (locating needs no uv).
  const built = new VenvBuilder({ environmentsDir: homePaths(bench.config.home).environments, uvPath: 'uv' }).locate(inputs.environmentDigest);
  if (!built) throw new Error(`environment ${inputs.environmentDigest} is not built`);
  const root = join(bench.config.home, 'bench-shell');
  const sourceDir = join(root, 'src');
  cpSync(bench.exampleSourceDir, sourceDir, { recursive: true });
  const datasetDir = join(root, 'dataset');
  await backends.artifacts.getDirectory(datasetVersionPrefix(inputs.dataset, inputs.datasetVersion), datasetDir);
  const paramsFile = join(root, 'params.json');
  writeFileSync(paramsFile, JSON.stringify(inputs.params));
  const timesFile = join(root, 'times.txt');
  const lines = ['set -e', `: > ${quote(timesFile)}`, `cd ${quote(sourceDir)}`];
  for (const stage of STAGES) {
    const ws = {
      sourceDir,
      datasetDir,
      inputsDir: join(root, 'inputs'),
      outputDir: join(root, 'inputs', stage),
      checkpointDir: join(root, 'checkpoints', stage),
      paramsFile,
    };
    const env = stageEnvironment({ built, sdkDir: backends.sdkDir, ws, runId: 'bench-shell', stage, attempt: 1, entrypoint: inputs.entrypoints[stage]! });
    const assignments = Object.entries(env)
      .map(([k, v]) => `${k}=${quote(v)}`)
      .join(' ');
    lines.push(
      `s=$EPOCHREALTIME`,
      `env -i ${assignments} ${quote(built.pythonExecutable)} -m kiln_sdk.stage >> ${quote(join(root, `${stage}.log`))} 2>&1`,
      `echo "${stage} $s $EPOCHREALTIME" >> ${quote(timesFile)}`,
    );
  }
  return { root, script: lines.join('\n'), timesFile };
}

/** One timed run of the baseline, from fresh outputs and checkpoints (train would resume otherwise). */
export async function runShellBaseline(baseline: ShellBaseline): Promise<ShellRun> {
  for (const dir of ['inputs', 'checkpoints']) rmSync(join(baseline.root, dir), { recursive: true, force: true });
  for (const stage of STAGES) mkdirSync(join(baseline.root, 'inputs', stage), { recursive: true });
  const start = now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('bash', ['-c', baseline.script], { stdio: 'ignore', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' } });
    child.once('error', reject);
    child.once('exit', resolve);
  });
  const wallMs = now() - start;
  if (code !== 0) throw new Error(`shell baseline exited with ${code}; logs in ${baseline.root}`);
  const processMs: Record<string, number> = {};
  for (const line of readFileSync(baseline.timesFile, 'utf8').trim().split('\n')) {
    const [stage, s, e] = line.split(' ');
    processMs[stage!] = (Number(e) - Number(s)) * 1000;
  }
  return { wallMs, processMs };
}
