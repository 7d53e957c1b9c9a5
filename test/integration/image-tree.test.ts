/**
 * Kiln's image without a container engine: scripts/image-tree.sh (what the Dockerfile runs) lays
 * the image's /app out in a directory, and Kiln runs from there as the pods run it: `kiln
 * stage-io fetch` (a stage pod's init container) and `kiln worker` against the real Temporal.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FilesystemArtifactStore } from '../../core/artifacts/filesystem-store.js';
import { storeDatasetVersion } from '../../core/datasets/store-dataset-version.js';
import { workspaceLayout } from '../../core/runner/workspace-layout.js';
import { snapshotSource } from '../../core/snapshots/source-snapshot.js';
import { DatasetSpec } from '../../core/specs/dataset.js';
import { Hyperparameters } from '../../core/specs/hyperparameters.js';
import { eventually } from '../support/process-check.js';

const REPO = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'kiln-image-tree-'));
const app = join(work, 'app');
const children: ChildProcess[] = [];

function kiln(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    // From the tree's own directory, as the image's WORKDIR: nothing of the checkout is reachable.
    const child = spawn(process.execPath, [join(app, 'bin', 'kiln.js'), ...args], { cwd: app, env: { PATH: process.env.PATH!, ...env } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

beforeAll(async () => {
  await promisify(execFile)('bash', [join(REPO, 'scripts', 'image-tree.sh'), app], { cwd: REPO, timeout: 240_000 });
}, 300_000);
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

describe("the image's tree (scripts/image-tree.sh)", () => {
  it('holds the compiled code, bundle, SDK and production modules only', () => {
    for (const file of [
      'bin/kiln.js',
      'dist/api/cli/main.js',
      'dist/workflow-bundle.js',
      'dist/workflow-bundle-traced.js',
      'sdk/python/kiln_sdk/stage.py',
      'scripts/tool-versions.sh',
      'package.json',
    ])
      expect(existsSync(join(app, file)), file).toBe(true);
    // No sources, tests or dev tools; no source maps pointing at sources that are not there.
    for (const absent of [
      'core',
      'test',
      'node_modules/vitest',
      'node_modules/typescript',
      'node_modules/tsx',
      'node_modules/@biomejs/biome',
      'dist/core/config.js.map',
    ])
      expect(existsSync(join(app, absent)), absent).toBe(false);
    // Temporal's native bridge for this platform only.
    expect(readdirSync(join(app, 'node_modules/@temporalio/core-bridge/releases'))).toEqual(['x86_64-unknown-linux-gnu']);
  });

  it('runs kiln stage-io fetch (a stage pod init container) with the SDK from the tree, and names a bad plan', async () => {
    const home = join(work, 'home');
    const artifacts = new FilesystemArtifactStore(join(home, 'artifacts'));
    const fixture = join(REPO, 'test', 'fixtures', 'checkpointing');
    const source = await snapshotSource(artifacts, join(fixture, 'src'));
    const dataset = await storeDatasetVersion(
      artifacts,
      DatasetSpec.parse({ name: 'tiny', path: 'data/tiny.csv', target_column: 'label' }),
      join(fixture, 'data', 'tiny.csv'),
    );
    const plan = {
      sourceDigest: source.digest,
      datasetPrefix: dataset.prefix,
      upstream: {},
      params: Hyperparameters.parse({ seed: 7 }),
      outputPrefix: 'runs/r1/train/outputs',
      checkpointPrefix: 'runs/r1/train/checkpoints',
    };
    const root = join(work, 'pod-workspace');
    const fetched = await kiln(['stage-io', 'fetch'], { KILN_HOME: home, KILN_STAGE_IO: JSON.stringify(plan), KILN_STAGE_ROOT: root });
    expect(fetched.code, fetched.output).toBe(0);
    expect(existsSync(join(workspaceLayout(root).sourceDir, 'trainer.py'))).toBe(true);
    expect(readFileSync(join(root, 'sdk', 'kiln_sdk', 'stage.py'), 'utf8')).toBe(readFileSync(join(app, 'sdk', 'python', 'kiln_sdk', 'stage.py'), 'utf8'));

    const bad = await kiln(['stage-io', 'fetch'], { KILN_HOME: home, KILN_STAGE_IO: '{"sourceDigest": ""}', KILN_STAGE_ROOT: root });
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain('KILN_STAGE_IO.sourceDigest');
  });

  it('runs kiln worker against Temporal: it polls its task queue, logs JSON lines, and stops cleanly on SIGTERM', async () => {
    const address = inject('temporalAddress');
    const taskQueue = `kiln-image-tree-${process.pid}`;
    const child = spawn(process.execPath, [join(app, 'bin', 'kiln.js'), 'worker'], {
      cwd: app,
      env: { PATH: process.env.PATH!, KILN_HOME: join(work, 'worker-home'), TEMPORAL_ADDRESS: address, KILN_TASK_QUEUE: taskQueue },
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(await eventually(() => stdout.includes('Kiln is up (worker).') || child.exitCode !== null, 120_000), stderr).toBe(true);
    expect(stdout, stderr).toContain('Kiln is up (worker).');
    const connection = await Connection.connect({ address });
    try {
      const queue = await connection.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: 1 });
      expect(queue.pollers?.length ?? 0).toBeGreaterThan(0);
    } finally {
      await connection.close();
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toContain('kiln: stopped');
    // A service logs JSON: whatever it wrote to stderr is one object a line.
    for (const line of stderr.split('\n').filter((l) => l.startsWith('{'))) expect(() => JSON.parse(line)).not.toThrow();
  }, 180_000);
});
