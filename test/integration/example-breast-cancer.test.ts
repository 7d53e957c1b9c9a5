import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { datasetVersion } from '../../core/datasets/dataset-version.js';
import { toolPath } from '../../core/environments/tool-paths.js';
import { VenvBuilder, type BuiltEnvironment } from '../../core/environments/venv-builder.js';
import { parseMetricLine, type MetricPoint } from '../../core/runner/metric-line.js';
import { RUN_CONTRACT_ENV as E } from '../../core/runner/run-contract.js';
import { stageEnvironment } from '../../core/runner/stage-environment.js';
import { DatasetSpec, EnvironmentSpec, ProjectSpec } from '../../core/specs/index.js';
import { environmentDigest } from '../../core/specs/environment-digest.js';
import { answerOf } from '../support/python-model-server.js';

// The real example, end to end through the pieces Kiln itself uses: its kiln.json parsed by the
// spec schemas, its CSV split into a dataset version, its pinned environment built with uv,
// and each stage run by `python -m kiln_sdk.stage` with the executor's stage environment.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLE = join(ROOT, 'examples/breast-cancer');
const raw = JSON.parse(readFileSync(join(EXAMPLE, 'kiln.json'), 'utf8')) as Record<string, unknown>;
const environment = EnvironmentSpec.parse(raw.environment);
const dataset = DatasetSpec.parse(raw.dataset);
const project = ProjectSpec.parse(raw.project);

describe('examples/breast-cancer', () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-example-'));
  const ws = (stage: string) => ({
    sourceDir: join(EXAMPLE, project.source_dir),
    datasetDir: join(work, 'dataset'),
    inputsDir: join(work, 'inputs'),
    outputDir: join(work, 'inputs', stage),
    checkpointDir: join(work, 'checkpoints', stage),
    paramsFile: join(work, 'params.json'),
  });
  let built: BuiltEnvironment;
  const entrypoints: Record<string, string | undefined> = { ...project.entrypoints, serve: project.entrypoints.predict };
  const envOf = (stage: string) =>
    stageEnvironment({ built, sdkDir: join(ROOT, 'sdk/python'), ws: ws(stage), runId: 'example-run', stage, attempt: 1, entrypoint: entrypoints[stage]! });

  beforeAll(async () => {
    const config = loadConfig();
    const uv = await toolPath(config, 'uv');
    if (!existsSync(uv.path)) spawnSync('bash', [join(ROOT, 'scripts/ensure-tools.sh')], { stdio: 'inherit' });
    // A per-user cache keyed by the environment's digest: built once per machine, reused after.
    const environmentsDir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kiln', 'test-environments');
    built = await new VenvBuilder({ environmentsDir, uvPath: uv.path }).build(environment, environmentDigest(environment));

    const version = await datasetVersion(dataset, readFileSync(join(EXAMPLE, dataset.path)));
    mkdirSync(ws('x').datasetDir, { recursive: true });
    writeFileSync(join(ws('x').datasetDir, 'train.csv'), version.train);
    writeFileSync(join(ws('x').datasetDir, 'test.csv'), version.test);
    writeFileSync(join(ws('x').datasetDir, 'dataset.json'), JSON.stringify(version.manifest));
    writeFileSync(ws('x').paramsFile, JSON.stringify(project.default_params));
  }, 600_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('ships the documented data and a spec the schemas accept', () => {
    const lines = readFileSync(join(EXAMPLE, dataset.path), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(570);
    expect(lines[0]!.split(',')).toHaveLength(31);
    expect(lines[0]!.split(',').at(-1)).toBe(dataset.target_column);
    expect(Object.values(project.entrypoints)).toEqual(Array(4).fill('model.py:BreastCancerModel'));
    expect(project.validation_gate.thresholds).toEqual([{ metric: 'accuracy', direction: 'min', threshold: 0.9 }]);
  });

  it('runs preprocess, train and evaluate and passes its validation gate', () => {
    const metrics: Record<string, MetricPoint[]> = {};
    for (const stage of ['preprocess', 'train', 'evaluate']) {
      const env = envOf(stage);
      const r = spawnSync(join(built.binDir, 'python'), ['-m', 'kiln_sdk.stage'], { cwd: env[E.sourceDir], env, encoding: 'utf8', timeout: 60_000 });
      expect(r.stderr, stage).toBe('');
      expect(r.status, stage).toBe(0);
      metrics[stage] = r.stdout
        .split('\n')
        .map(parseMetricLine)
        .flatMap((p) => (p.kind === 'metric' ? [p.metric] : []));
    }
    const epochs = project.default_params.epochs;
    expect(metrics.train!.filter((m) => m.name === 'train_accuracy').map((m) => m.epoch)).toEqual([...Array(epochs).keys()].map((i) => i + 1));
    const evaluated = Object.fromEntries(metrics.evaluate!.map((m) => [m.name, m.value]));
    expect(Object.keys(evaluated).sort()).toEqual(['accuracy', 'f1', 'log_loss', 'roc_auc']);
    expect(evaluated.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(evaluated.roc_auc).toBeGreaterThanOrEqual(0.95);
    expect(JSON.parse(readFileSync(join(ws('evaluate').outputDir, 'metrics.json'), 'utf8'))).toEqual(evaluated);
    for (const file of ['model.pkl', 'scaler.json', 'metadata.json']) expect(existsSync(join(ws('train').outputDir, file)), file).toBe(true);
  });

  it('serves the trained model', async () => {
    const env: Record<string, string> = { ...envOf('serve'), [E.modelDir]: ws('train').outputDir, [E.servePort]: '0' };
    const child = spawn(join(built.binDir, 'python'), ['-m', 'kiln_sdk.serve'], { cwd: env[E.sourceDir], env });
    const exited = new Promise<number | null>((r) => child.on('close', r));
    try {
      const port = await new Promise<number>((res, rej) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /KILN_SERVING port=(\d+)/.exec(out);
          if (m) res(Number(m[1]));
        });
        void exited.then((code) => rej(new Error(`serve exited ${code}`)));
      });
      const lines = readFileSync(join(EXAMPLE, dataset.path), 'utf8').split('\n');
      const [header, malignant, benign] = [lines[0], lines.find((l) => l.endsWith(',0')), lines.find((l) => l.endsWith(',1'))];
      const names = header!.split(',').slice(0, -1);
      const asList = (line: string) => line.split(',').slice(0, -1).map(Number);
      const asObject = (line: string) => Object.fromEntries(asList(line).map((v, i) => [names[i], v]));
      const res = await fetch(`http://127.0.0.1:${port}/predict`, {
        method: 'POST',
        body: JSON.stringify({ instances: [asList(malignant!), asObject(benign!)] }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(answerOf([0, 1]));
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
