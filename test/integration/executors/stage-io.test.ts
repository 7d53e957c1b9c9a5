// The container side of a Kubernetes stage pod, run for real on this machine: `kiln stage-io
// fetch` (init container), the stage runner `python -m kiln_sdk.stage` with the pod's run
// contract, and `kiln stage-io sync` (sidecar) beside it. The testbed proves the Kubernetes
// side; together they cover the pod, which no container engine here can run whole.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemArtifactStore } from '../../../core/artifacts/filesystem-store.js';
import { storeDatasetVersion } from '../../../core/datasets/store-dataset-version.js';
import type { StageIoPlan } from '../../../core/executors/executor.js';
import { stageEnvironment } from '../../../core/runner/stage-environment.js';
import { workspaceLayout } from '../../../core/runner/workspace-layout.js';
import { snapshotSource } from '../../../core/snapshots/source-snapshot.js';
import { DatasetSpec } from '../../../core/specs/dataset.js';
import { Hyperparameters } from '../../../core/specs/hyperparameters.js';

const REPO = join(__dirname, '..', '..', '..');
const fixture = join(REPO, 'test', 'fixtures', 'checkpointing');
const home = mkdtempSync(join(tmpdir(), 'kiln-stage-io-'));
const artifacts = new FilesystemArtifactStore(join(home, 'artifacts'));
const root = join(home, 'pod-workspace');
let plan: StageIoPlan;

function run(command: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { env, cwd: REPO });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}
const kiln = (action: string) =>
  run([process.execPath, '--import', 'tsx', join(REPO, 'api', 'cli', 'main.ts'), 'stage-io', action], {
    PATH: process.env.PATH!,
    KILN_HOME: home,
    KILN_STAGE_IO: JSON.stringify(plan),
    KILN_STAGE_ROOT: root,
  });

beforeAll(async () => {
  const source = await snapshotSource(artifacts, join(fixture, 'src'));
  const dataset = await storeDatasetVersion(
    artifacts,
    DatasetSpec.parse({ name: 'tiny', path: 'data/tiny.csv', target_column: 'label' }),
    join(fixture, 'data', 'tiny.csv'),
  );
  await artifacts.put('runs/r0/preprocess/outputs/features.json', '{"scaled": true}');
  plan = {
    sourceDigest: source.digest,
    datasetPrefix: dataset.prefix,
    upstream: { preprocess: 'runs/r0/preprocess/outputs' },
    params: Hyperparameters.parse({ learning_rate: 0.1, seed: 7, extras: { steps: 6, step_seconds: 0.05, crash_at_step: 0, crash_marker: '' } }),
    outputPrefix: 'runs/r1/train/outputs',
    checkpointPrefix: 'runs/r1/train/checkpoints',
  };
});

describe('a stage pod, container by container, on this machine', () => {
  it('init container: fetches the source snapshot, dataset, upstream outputs, params and the SDK into the workspace', async () => {
    const fetched = await kiln('fetch');
    expect(fetched.code, fetched.output).toBe(0);
    const ws = workspaceLayout(root);
    expect(existsSync(join(ws.sourceDir, 'trainer.py'))).toBe(true);
    // The run contract's files, not the version's source copy or profile.
    expect(readdirSync(ws.datasetDir).sort()).toEqual(['dataset.json', 'test.csv', 'train.csv']);
    expect(readFileSync(join(ws.inputsDir, 'preprocess', 'features.json'), 'utf8')).toBe('{"scaled": true}');
    expect(JSON.parse(readFileSync(ws.paramsFile, 'utf8'))).toEqual(plan.params);
    expect(existsSync(join(root, 'sdk', 'kiln_sdk', 'stage.py'))).toBe(true);
  });

  it('stage container + sidecar: the runner trains with the pod contract; the sidecar stores its checkpoints and outputs', async () => {
    const ws = workspaceLayout(root);
    const sidecar = kiln('sync');
    const python = (await run(['sh', '-c', 'command -v python3'], { PATH: process.env.PATH! })).output.trim();
    const env = {
      ...stageEnvironment({
        built: { binDir: dirname(python), venvDir: dirname(dirname(python)) },
        sdkDir: join(root, 'sdk'),
        ws,
        runId: 'r1',
        stage: 'train',
        attempt: 1,
        entrypoint: 'trainer.py:train',
      }),
      KILN_EXIT_FILE: join(root, '.kiln-exit'),
    };
    const stage = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(python, ['-m', 'kiln_sdk.stage'], { env, cwd: ws.sourceDir });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('exit', (code) => resolve({ code, output }));
    });
    expect(stage.code, stage.output).toBe(0);
    expect(stage.output).toMatch(/KILN_METRIC \{.*"name": ?"loss"/);
    expect(readFileSync(join(root, '.kiln-exit'), 'utf8')).toBe('0');
    const synced = await sidecar;
    expect(synced.code, synced.output).toBe(0);
    const checkpoints = await artifacts.list(plan.checkpointPrefix);
    expect(checkpoints.length).toBeGreaterThan(0);
    expect(checkpoints.at(-1)).toMatch(/checkpoint-00000006\./);
    const outputs = await artifacts.list(plan.outputPrefix);
    expect(outputs.length).toBeGreaterThan(0);
  });

  it('a broken plan is refused with the field named, before anything is fetched', async () => {
    const bad = await run([process.execPath, '--import', 'tsx', join(REPO, 'api', 'cli', 'main.ts'), 'stage-io', 'fetch'], {
      PATH: process.env.PATH!,
      KILN_HOME: home,
      KILN_STAGE_IO: JSON.stringify({ ...plan, sourceDigest: 7 }),
      KILN_STAGE_ROOT: join(home, 'never'),
    });
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain('KILN_STAGE_IO.sourceDigest');
    expect(existsSync(join(home, 'never'))).toBe(false);
  });
});

describe('what a stage pod refuses', () => {
  const fetchInto = (dir: string, changed: Partial<StageIoPlan>) =>
    run([process.execPath, '--import', 'tsx', join(REPO, 'api', 'cli', 'main.ts'), 'stage-io', 'fetch'], {
      PATH: process.env.PATH!,
      KILN_HOME: home,
      KILN_STAGE_IO: JSON.stringify({ ...plan, ...changed }),
      KILN_STAGE_ROOT: dir,
    });

  it.each([
    ['a source snapshot', { sourceDigest: 'f'.repeat(64) }, /source snapshot f{64} not found/],
    ['a dataset version', { datasetPrefix: 'datasets/tiny/gone' }, /dataset version datasets\/tiny\/gone not found/],
    [
      'a resume checkpoint',
      { resumeCheckpointKey: 'runs/r1/train/checkpoints/checkpoint-00000099.json' },
      /checkpoint runs\/r1\/train\/checkpoints\/checkpoint-00000099.json not found/,
    ],
  ])('fetch: a plan naming %s the store lacks fails before the workspace is emptied', async (_what, changed, message) => {
    const dir = mkdtempSync(join(home, 'kept-'));
    writeFileSync(join(dir, 'earlier.txt'), 'still here');
    const fetched = await fetchInto(dir, changed);
    expect(fetched.code).not.toBe(0);
    expect(fetched.output).toMatch(message);
    expect(readFileSync(join(dir, 'earlier.txt'), 'utf8')).toBe('still here');
  });

  it('sync: links out of the workspace are never followed; links within it are', async () => {
    const dir = mkdtempSync(join(home, 'links-'));
    const ws = workspaceLayout(dir);
    mkdirSync(ws.outputDir, { recursive: true });
    mkdirSync(ws.checkpointDir, { recursive: true });
    const secret = join(home, 'outside-secret.txt');
    writeFileSync(secret, 'not for the store');
    writeFileSync(join(ws.outputDir, 'model.json'), '{"w": 1}');
    writeFileSync(join(ws.checkpointDir, 'checkpoint-00000001.json'), '{"step": 1}');
    symlinkSync(join(ws.checkpointDir, 'checkpoint-00000001.json'), join(ws.outputDir, 'weights.json'));
    symlinkSync('/etc', join(ws.outputDir, 'etc'));
    symlinkSync('/etc/passwd', join(ws.outputDir, 'passwd'));
    symlinkSync('/proc/self/environ', join(ws.outputDir, 'environ'));
    symlinkSync(secret, join(ws.outputDir, 'secret.txt'));
    // A checkpoint that is really a link out, with a step newer than the real one.
    symlinkSync(secret, join(ws.checkpointDir, 'checkpoint-00000002.json'));
    writeFileSync(join(dir, '.kiln-exit'), '0');
    const linked = { ...plan, outputPrefix: 'runs/links/train/outputs', checkpointPrefix: 'runs/links/train/checkpoints' };
    const synced = await run([process.execPath, '--import', 'tsx', join(REPO, 'api', 'cli', 'main.ts'), 'stage-io', 'sync'], {
      PATH: process.env.PATH!,
      KILN_HOME: home,
      KILN_STAGE_IO: JSON.stringify(linked),
      KILN_STAGE_ROOT: dir,
    });
    expect(synced.code, synced.output).toBe(0);
    expect(await artifacts.list(linked.outputPrefix)).toEqual([`${linked.outputPrefix}/model.json`, `${linked.outputPrefix}/weights.json`]);
    expect((await artifacts.getBuffer(`${linked.outputPrefix}/weights.json`)).toString()).toBe('{"step": 1}');
    expect(await artifacts.list(linked.checkpointPrefix)).toEqual([`${linked.checkpointPrefix}/checkpoint-00000001.json`]);
  });

  it('sync: an outputs directory replaced by a link out uploads nothing', async () => {
    const dir = mkdtempSync(join(home, 'swapped-'));
    const ws = workspaceLayout(dir);
    mkdirSync(ws.checkpointDir, { recursive: true });
    const outside = mkdtempSync(join(home, 'outside-'));
    writeFileSync(join(outside, 'private.txt'), 'not for the store');
    symlinkSync(outside, ws.outputDir);
    writeFileSync(join(dir, '.kiln-exit'), '0');
    const swapped = { ...plan, outputPrefix: 'runs/swapped/train/outputs', checkpointPrefix: 'runs/swapped/train/checkpoints' };
    const synced = await run([process.execPath, '--import', 'tsx', join(REPO, 'api', 'cli', 'main.ts'), 'stage-io', 'sync'], {
      PATH: process.env.PATH!,
      KILN_HOME: home,
      KILN_STAGE_IO: JSON.stringify(swapped),
      KILN_STAGE_ROOT: dir,
    });
    expect(synced.code, synced.output).toBe(0);
    expect(await artifacts.list(swapped.outputPrefix)).toEqual([]);
  });
});

afterAll(() => rmSync(home, { recursive: true, force: true }));
