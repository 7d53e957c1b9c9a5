import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuiltEnvironment } from '../../core/environments/venv-builder.js';
import { freePort } from '../../core/net/free-port.js';
import { RUN_CONTRACT_ENV as E } from '../../core/runner/run-contract.js';
import { stageEnvironment } from '../../core/runner/stage-environment.js';
import { DatasetSpec, EnvironmentSpec, ProjectSpec } from '../../core/specs/index.js';
import { chainedStages } from '../../test/support/chained-stages.js';
import { benchEnvironment } from './bench-environment.js';
import { ROOT } from './bench-stack.js';

/** The baseline, pinned: FastAPI on uvicorn with its C speedups (uvloop, httptools), as `pip install "uvicorn[standard]"` gives. */
export const BASELINE_PACKAGES = ['fastapi==0.163.2', 'uvicorn==0.54.0', 'uvloop==0.23.0', 'httptools==0.9.0'];

const EXAMPLE = join(ROOT, 'examples/breast-cancer');
const SDK_DIR = join(ROOT, 'sdk/python');
const FASTAPI_DIR = join(ROOT, 'bench/fixtures/serving');

export interface TrainedExample {
  built: BuiltEnvironment;
  sourceDir: string;
  modelDir: string;
  entrypoint: string;
  /** Feature rows of the test split, in column order. */
  rows: number[][];
}

/**
 * The breast-cancer example trained once, in a venv holding its pinned dependencies plus the
 * baseline's (built with uv into ~/.cache/kiln/bench-environments, once per machine): both
 * servers then load the same model files with the same Python.
 */
export async function trainExample(work: string): Promise<TrainedExample> {
  const raw = JSON.parse(readFileSync(join(EXAMPLE, 'kiln.json'), 'utf8')) as Record<string, unknown>;
  const example = EnvironmentSpec.parse(raw.environment);
  const environment = EnvironmentSpec.parse({ ...example, name: 'bench-serving', dependencies: [...example.dependencies, ...BASELINE_PACKAGES] });
  const dataset = DatasetSpec.parse(raw.dataset);
  const project = ProjectSpec.parse(raw.project);
  const built = await benchEnvironment(environment);

  const { ws, version } = await chainedStages(work, join(EXAMPLE, project.source_dir), dataset, join(EXAMPLE, dataset.path), project.default_params);
  const entrypoint = project.entrypoints.predict ?? project.entrypoints.train;
  for (const stage of ['preprocess', 'train'] as const) {
    const env = stageEnvironment({
      built,
      sdkDir: SDK_DIR,
      ws: ws(stage),
      runId: 'bench-serving',
      stage,
      attempt: 1,
      entrypoint: project.entrypoints[stage] ?? entrypoint,
    });
    const r = spawnSync(built.pythonExecutable, ['-m', 'kiln_sdk.stage'], { cwd: env[E.sourceDir], env, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`${stage} failed: ${r.stderr}`);
  }
  const rows = version.test
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',').slice(0, -1).map(Number));
  return { built, sourceDir: ws('x').sourceDir, modelDir: ws('train').outputDir, entrypoint, rows };
}

export interface RunningServer {
  name: string;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

function baseEnv(model: TrainedExample, extra: Record<string, string>): Record<string, string> {
  return {
    PATH: `${model.built.binDir}:/usr/local/bin:/usr/bin:/bin`,
    PYTHONDONTWRITEBYTECODE: '1',
    LANG: 'C.UTF-8',
    [E.entrypoint]: model.entrypoint,
    [E.modelDir]: model.modelDir,
    [E.sourceDir]: model.sourceDir,
    ...extra,
  };
}

/** Waits until `child` answers `url` + `healthPath`; a server that exits or stays silent fails with its stderr's tail. */
export async function started(name: string, url: string, child: ChildProcess, { healthPath = '/health', timeoutMs = 120_000 } = {}): Promise<RunningServer> {
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.stdout!.resume();
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not answer ${healthPath} in ${timeoutMs / 1000} s: ${stderr}`);
    }
    const ok = await fetch(`${url}${healthPath}`, { signal: AbortSignal.timeout(1_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return { name, url, child, stop };
}

/** `python -m kiln_sdk.serve` on the trained model, with these KILN_SERVE_* settings. */
export async function startKilnServer(model: TrainedExample, env: Record<string, string> = {}, name = 'Kiln'): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(model.built.pythonExecutable, ['-m', 'kiln_sdk.serve'], {
    cwd: model.sourceDir,
    env: baseEnv(model, { PYTHONPATH: SDK_DIR, [E.servePort]: String(port), ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return started(name, `http://127.0.0.1:${port}`, child);
}

/** The same model behind FastAPI on uvicorn, one worker (bench/fixtures/serving/fastapi_app.py). */
export async function startFastApi(model: TrainedExample): Promise<RunningServer> {
  const port = await freePort();
  const args = [
    '-m',
    'uvicorn',
    'fastapi_app:app',
    '--app-dir',
    FASTAPI_DIR,
    '--port',
    String(port),
    '--workers',
    '1',
    '--log-level',
    'warning',
    '--no-access-log',
  ];
  const child = spawn(model.built.pythonExecutable, args, {
    cwd: model.sourceDir,
    // The example's model.py imports kiln_sdk; the app imports model.py from the working directory.
    env: baseEnv(model, { PYTHONPATH: `${SDK_DIR}:${model.sourceDir}` }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return started('FastAPI + uvicorn', `http://127.0.0.1:${port}`, child);
}
