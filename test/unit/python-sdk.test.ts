import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMetricLine, type MetricPoint } from '../../core/runner/metric-line.js';
import { DATASET_FILES, RUN_CONTRACT_ENV as E } from '../../core/runner/run-contract.js';
import { Hyperparameters } from '../../core/specs/hyperparameters.js';

// The SDK is plain files on PYTHONPATH, exactly as the executor provides it: no install step.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SDK = join(ROOT, 'sdk/python');
const TOY = join(SDK, 'tests/fixtures/toy');
const PYTHON = process.env.KILN_TEST_PYTHON ?? 'python3';
const PARAMS = { learning_rate: 0.05, batch_size: 8, epochs: 3, seed: 7, extras: { C: 0.5, penalty: 'l2' } };
const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function python(args: string[], env: Record<string, string> = {}, input?: string) {
  // The host's own KILN_* variables must not leak into a stage under test.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KILN_'))) as Record<string, string>;
  const pyEnv = { ...base, PYTHONPATH: SDK, PYTHONDONTWRITEBYTECODE: '1', ...env };
  const r = spawnSync(PYTHON, args, { cwd: TOY, env: pyEnv, input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function metricsOf(stdout: string): MetricPoint[] {
  const parsed = stdout.split('\n').map(parseMetricLine);
  expect(parsed.filter((p) => p.kind === 'invalid')).toEqual([]);
  return parsed.flatMap((p) => (p.kind === 'metric' ? [p.metric] : []));
}

/** A run directory laid out per the run contract, and the env for one stage of it. */
function contractDir(params: unknown = PARAMS) {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-sdk-'));
  tempDirs.push(dir);
  const ds = join(dir, 'dataset');
  mkdirSync(ds);
  writeFileSync(join(ds, DATASET_FILES.train), 'a,b,label\n0,1,0\n1,0,0\n0,0,0\n10,9,1\n9,10,1\n10,10,1\n');
  writeFileSync(join(ds, DATASET_FILES.test), 'a,b,label\n1,1,0\n0.5,0,0\n9,9,1\n11,10,1\n');
  writeFileSync(join(ds, DATASET_FILES.manifest), JSON.stringify({ target_column: 'label', columns: ['a', 'b', 'label'] }));
  writeFileSync(join(dir, 'params.json'), JSON.stringify(params));
  const out = (stage: string) => join(dir, 'inputs', stage);
  const env = (stage: string, entrypoint: string): Record<string, string> => ({
    [E.runId]: 'toy-run-1',
    [E.stage]: stage,
    [E.attempt]: '1',
    [E.entrypoint]: entrypoint,
    [E.paramsFile]: join(dir, 'params.json'),
    [E.datasetDir]: ds,
    [E.inputsDir]: join(dir, 'inputs'),
    [E.outputDir]: out(stage),
    [E.checkpointDir]: join(dir, 'checkpoints', stage),
    [E.sourceDir]: TOY,
    [E.metricsSink]: 'stdout',
  });
  const stage = (name: string, entrypoint: string, extra: Record<string, string> = {}) =>
    python(['-m', 'kiln_sdk.stage'], { ...env(name, entrypoint), ...extra });
  return { dir, out, env, stage };
}

describe('python SDK', () => {
  it('mirrors the run contract names of run-contract.ts', () => {
    const r = python(['-c', 'import json; from kiln_sdk import contract as c; print(json.dumps([c.RUN_CONTRACT_ENV, c.DATASET_FILES]))']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([E, DATASET_FILES]);
  });

  it('prints metric lines that parseMetricLine accepts, and rejects bad metrics', () => {
    const code = `
from kiln_sdk import log_metric, log_metrics
log_metric("loss", 0.25, step=3, epoch=1)
log_metric("acc", 1)
log_metrics({"f1": 0.5, "auc": 0.75}, step=2)
print("a plain log line")
for args, kw in [(("nan", float("nan")), {}), (("inf", float("-inf")), {}), ((3, 1.0), {}), (("", 1.0), {}),
                 (("s", "1"), {}), (("b", True), {}), (("x", 1.0), {"step": -1}), (("x", 1.0), {"epoch": 1.5})]:
    try:
        log_metric(*args, **kw); print("accepted", args)
    except ValueError as e:
        print("rejected:", e)`;
    const r = python(['-c', code]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('KILN_METRIC {"name":"loss","value":0.25,"step":3,"epoch":1}');
    expect(metricsOf(r.stdout)).toEqual([
      { name: 'loss', value: 0.25, step: 3, epoch: 1 },
      { name: 'acc', value: 1 },
      { name: 'f1', value: 0.5, step: 2 },
      { name: 'auc', value: 0.75, step: 2 },
    ]);
    expect(r.stdout).not.toContain('accepted');
    expect(r.stdout.match(/^rejected: /gm)).toHaveLength(8);
    expect(parseMetricLine('a plain log line')).toEqual({ kind: 'log' });
  });

  it('validates params like core/specs/hyperparameters.ts and names the bad field', () => {
    const cases = [
      PARAMS,
      { ...PARAMS, learning_rate: 'abc' },
      { learning_rate: 0.1, batch_size: 8, seed: 1, extras: {} },
      { ...PARAMS, lr: 0.1 },
      { ...PARAMS, batch_size: 0 },
      { ...PARAMS, seed: true },
      { ...PARAMS, epochs: 2.5 },
      { ...PARAMS, extras: { C: null } },
      [1, 2],
    ];
    const code = `
import json, sys
from kiln_sdk import Params, ParamsError
for case in json.load(sys.stdin):
    try:
        print(json.dumps(Params.from_dict(case).to_dict()))
    except ParamsError as e:
        print(json.dumps(str(e)))`;
    const r = python(['-c', code], {}, JSON.stringify(cases));
    expect(r.stderr).toBe('');
    const [ok, ...errors] = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ok).toEqual(Hyperparameters.parse(PARAMS));
    expect(errors[0]).toBe('params.learning_rate: expected number, got "abc"');
    expect(errors[1]).toBe('params.epochs: required');
    expect(errors.slice(2).map((e: string) => e.split(':')[0])).toEqual([
      'params.lr',
      'params.batch_size',
      'params.seed',
      'params.epochs',
      'params.extras.C',
      'params',
    ]);
  });

  it('runs a KilnModel subclass through preprocess, train and evaluate', () => {
    const run = contractDir();
    for (const stage of ['preprocess', 'train', 'evaluate']) {
      const r = run.stage(stage, 'toy_model.py:ToyModel');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe(`kiln: stage ${stage} attempt 1 entrypoint toy_model.py:ToyModel`);
      if (stage === 'train') {
        expect(metricsOf(r.stdout).map((m) => [m.name, m.step, m.epoch])).toEqual([
          ['loss', 10, 1],
          ['loss', 20, 2],
          ['loss', 30, 3],
        ]);
      }
      if (stage === 'evaluate') expect(metricsOf(r.stdout)).toEqual([{ name: 'accuracy', value: 1 }]);
    }
    expect(JSON.parse(readFileSync(join(run.out('preprocess'), 'stats.json'), 'utf8'))).toEqual({ rows: 6, features: ['a', 'b'] });
    expect(existsSync(join(run.out('train'), 'toy.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(run.out('evaluate'), 'metrics.json'), 'utf8'))).toEqual({ accuracy: 1 });
  });

  it('calls function entrypoints and runs plain scripts', () => {
    const run = contractDir();
    expect(run.stage('train', 'toy_model.py:train_fn').code).toBe(0);
    expect(readFileSync(join(run.out('train'), 'trained.txt'), 'utf8')).toBe('toy-run-1 train 1 C=0.5');
    const evaluated = run.stage('evaluate', 'toy_model.py:evaluate_fn');
    expect(evaluated.code).toBe(0);
    expect(metricsOf(evaluated.stdout)).toEqual([
      { name: 'rows_seen', value: 4 },
      { name: 'lr', value: 0.05 },
    ]);
    const script = run.stage('preprocess', 'script.py');
    expect(script.code).toBe(0);
    expect(metricsOf(script.stdout)).toEqual([{ name: 'script_metric', value: 7, step: 0 }]);
    expect(readFileSync(join(run.out('preprocess'), 'script.txt'), 'utf8')).toBe('preprocess');
  });

  it('exits 2 with the message for contract errors and 1 with a traceback for user errors', () => {
    const contractErrors: Array<[ReturnType<typeof python>, string]> = [
      [contractDir({ ...PARAMS, learning_rate: 'abc' }).stage('train', 'toy_model.py:ToyModel'), 'kiln: params.learning_rate: expected number, got "abc"'],
      [contractDir().stage('train', 'toy_model.py:ToyModel', { [E.outputDir]: '' }), `kiln: ${E.outputDir}: required environment variable is not set`],
      [contractDir().stage('evaluate', 'toy_model.py:ToyModel'), `kiln: ${E.inputsDir}/train: no outputs from stage 'train'`],
      [contractDir().stage('train', 'missing.py:Foo'), `kiln: ${E.entrypoint}: missing.py not found`],
      [contractDir().stage('train', 'toy_model.py:NOT_CALLABLE'), 'must be a function or a KilnModel subclass'],
      [contractDir().stage('train', '../outside.py:ToyModel'), 'outside the source directory'],
    ];
    for (const [r, message] of contractErrors) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toContain('Traceback');
    }
    const failed = contractDir().stage('train', 'toy_model.py:failing');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/Traceback[\s\S]*RuntimeError: boom in user code/);
  });

  it('saves checkpoints atomically and loads the latest, preferring KILN_RESUME_CHECKPOINT', () => {
    const { dir } = contractDir();
    const [own, resume] = [join(dir, 'ck'), join(dir, 'resume')];
    const code = `
import json, os
from kiln_sdk import save_checkpoint, load_latest_checkpoint
out = {"empty": load_latest_checkpoint()}
for step in range(1, 5):
    save_checkpoint({"step": step, "w": [0.5, step]}, step)
out["dict"] = load_latest_checkpoint()
save_checkpoint(b"\\x00raw", 12)
step, state = load_latest_checkpoint(); out["bytes"] = [step, list(state)]
os.unlink(os.path.join(os.environ["KILN_CHECKPOINT_DIR"], "latest"))
out["no_pointer"] = load_latest_checkpoint()[0]
save_checkpoint({"from": "resume"}, 2, directory=os.environ["RESUME"])
os.environ["KILN_RESUME_CHECKPOINT"] = os.environ["RESUME"]
out["resumed"] = load_latest_checkpoint()
print(json.dumps(out))`;
    const r = python(['-c', code], { [E.checkpointDir]: own, RESUME: resume });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      empty: null,
      dict: [4, { step: 4, w: [0.5, 4] }],
      bytes: [12, [0, 114, 97, 119]],
      no_pointer: 12,
      resumed: [2, { from: 'resume' }],
    });
    // keep=3 prunes old ones; no temp files are left behind.
    expect(readdirSync(own).sort()).toEqual(['checkpoint-00000003.json', 'checkpoint-00000004.json', 'checkpoint-00000012.bin']);
  });
});
