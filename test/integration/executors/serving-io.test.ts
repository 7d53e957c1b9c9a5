// The container side of a model-server pod, run for real on this machine: `kiln serving-io
// fetch` (init container) with the Deployment's own init env, then `python -m kiln_sdk.serve`
// with the server container's env, command and working directory, the pod's serving root
// mapped to a local directory. deploy-rbac and kubernetes-model-deployer prove the Kubernetes side.
import type { V1Container } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemArtifactStore } from '../../../core/artifacts/filesystem-store.js';
import { KubernetesSettings } from '../../../core/kubernetes/kubernetes-settings.js';
import { freePort } from '../../../core/net/free-port.js';
import { RUN_CONTRACT_ENV as E } from '../../../core/runner/run-contract.js';
import { servingLayout } from '../../../core/runner/serving-io.js';
import { buildModelDeployment, SERVING_IO_ENV, SERVING_ROOT } from '../../../core/serving/kubernetes/model-deployment.js';
import { snapshotSource } from '../../../core/snapshots/source-snapshot.js';
import { findPredictions } from '../../../core/monitoring/prediction-log/read-predictions.js';
import { answerOf } from '../../support/python-model-server.js';

const REPO = join(__dirname, '..', '..', '..');
const home = mkdtempSync(join(tmpdir(), 'kiln-serving-io-'));
const artifacts = new FilesystemArtifactStore(join(home, 'artifacts'));
const root = join(home, 'pod-serving');
const modelPrefix = 'models/linear/v1';
let initContainer: V1Container;
let serverContainer: V1Container;
let shipperContainer: V1Container;
/** The ids the server gave its answers, for the log sidecar to ship. */
const answeredIds: string[] = [];
let server: ChildProcess | undefined;

/** A container's env with the pod's serving root moved to `root`. */
const localEnv = (container: V1Container) => Object.fromEntries(container.env!.map((e) => [e.name, e.value!.replace(SERVING_ROOT, root)]));

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'api', 'cli', 'main.ts'), ...args], {
      env: { PATH: process.env.PATH!, KILN_HOME: home, ...env },
      cwd: REPO,
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

beforeAll(async () => {
  const source = await snapshotSource(artifacts, join(REPO, 'test', 'fixtures', 'serving', 'src'));
  await artifacts.put(`${modelPrefix}/linear.json`, JSON.stringify({ weights: [2, -1], bias: 0.5, features: ['a', 'b'] }));
  const deployment = buildModelDeployment(
    {
      modelName: 'linear',
      version: 1,
      image: 'registry.test/kiln-env:abc',
      artifactPrefix: modelPrefix,
      sourceDigest: source.digest,
      entrypoint: 'linear.py:Linear',
    },
    KubernetesSettings.parse({}),
  );
  initContainer = deployment.spec!.template.spec!.initContainers![0]!;
  serverContainer = deployment.spec!.template.spec!.containers[0]!;
  shipperContainer = deployment.spec!.template.spec!.containers[1]!;
});

describe('a model-server pod, container by container, on this machine', () => {
  it('init container: fetches the source snapshot, the model version and the SDK under the serving root', async () => {
    expect(initContainer.command).toEqual(['node', '/app/bin/kiln.js', 'serving-io', 'fetch']);
    const fetched = await run(['serving-io', 'fetch'], localEnv(initContainer));
    expect(fetched.code, fetched.output).toBe(0);
    const layout = servingLayout(root);
    expect(existsSync(join(layout.sourceDir, 'linear.py'))).toBe(true);
    expect(existsSync(join(layout.modelDir, 'linear.json'))).toBe(true);
    expect(existsSync(join(layout.sdkDir, 'kiln_sdk', 'serve.py'))).toBe(true);
  });

  it('fetching again (a restarted init container) replaces what the first attempt left', async () => {
    const again = await run(['serving-io', 'fetch'], localEnv(initContainer));
    expect(again.code, again.output).toBe(0);
    expect(existsSync(join(servingLayout(root).modelDir, 'linear.json'))).toBe(true);
  });

  it('server container: kiln_sdk.serve with the Deployment env answers /health and /predict', async () => {
    const port = await freePort();
    // The pod listens on MODEL_SERVER_PORT; here any free port will do.
    const env = { ...localEnv(serverContainer), PATH: process.env.PATH!, [E.servePort]: String(port) };
    const [python, ...args] = serverContainer.command!;
    expect(python).toBe('python');
    let output = '';
    server = spawn('python3', args, { env, cwd: serverContainer.workingDir!.replace(SERVING_ROOT, root) });
    server.stdout!.on('data', (d) => (output += d));
    server.stderr!.on('data', (d) => (output += d));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 15_000;
    let health: Response | undefined;
    while (!health?.ok && Date.now() < deadline && server.exitCode === null) {
      health = await fetch(`${url}/health`).catch(() => undefined);
      if (!health?.ok) await new Promise((r) => setTimeout(r, 100));
    }
    expect(health?.ok, output).toBe(true);
    expect(await health!.json()).toMatchObject({ status: 'ok', model_dir: servingLayout(root).modelDir });

    const predict = (instances: unknown[]) =>
      fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances }) });
    const answered = await predict([[3, 1], { a: 1, b: 2 }]);
    expect(answered.status, output).toBe(200);
    const answer = (await answered.json()) as { prediction_ids: string[] };
    expect(answer).toEqual(answerOf([5.5, 0.5]));
    answeredIds.push(...answer.prediction_ids);
    const refused = await predict([[1, 2, 3]]);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toContain('instances[0]');
  });

  it('log sidecar: ships the prediction log the server spooled, and what is left when the pod stops', async () => {
    expect(shipperContainer.command).toEqual(['node', '/app/bin/kiln.js', 'serving-io', 'ship']);
    let output = '';
    const [, , ...args] = shipperContainer.command!;
    const sidecar = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'api', 'cli', 'main.ts'), ...args], {
      env: { PATH: process.env.PATH!, KILN_HOME: home, ...localEnv(shipperContainer) },
      cwd: REPO,
    });
    sidecar.stdout.on('data', (d) => (output += d));
    sidecar.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => sidecar.on('exit', resolve));
    // Started (its signal handlers installed) once it says what it ships.
    for (const deadline = Date.now() + 60_000; !output.includes('shipping the prediction log of linear v1') && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    // The pod stops: both containers get SIGTERM; the server closes its open segment, the sidecar ships it.
    server?.kill('SIGTERM');
    sidecar.kill('SIGTERM');
    expect(await exited, output).toBe(0);
    const found = await findPredictions(artifacts, 'linear', answeredIds);
    expect([...found.keys()].sort(), output).toEqual([...answeredIds].sort());
    expect(found.get(answeredIds[0]!)).toMatchObject({ input: [3, 1], prediction: 5.5, version: 1 });
  });
});

describe('kiln serving-io refuses what it cannot do, before fetching anything', () => {
  it.each([
    ['a plan field of the wrong type', { sourceDigest: 7, modelPrefix }, `${SERVING_IO_ENV}.sourceDigest`],
    ['a missing plan field', { sourceDigest: 'abc' }, `${SERVING_IO_ENV}.modelPrefix`],
    ['an unknown plan field', { sourceDigest: 'abc', modelPrefix, upstream: {} }, `${SERVING_IO_ENV}: unknown field "upstream"`],
  ])('%s is named', async (_, plan, field) => {
    const never = join(home, 'never');
    const bad = await run(['serving-io', 'fetch'], { [SERVING_IO_ENV]: JSON.stringify(plan), KILN_SERVING_ROOT: never });
    expect(bad.code).toBe(2);
    expect(bad.output).toContain(field);
    expect(existsSync(never)).toBe(false);
  });

  it('a plan that is not JSON is named', async () => {
    const bad = await run(['serving-io', 'fetch'], { [SERVING_IO_ENV]: '{not json', KILN_SERVING_ROOT: join(home, 'never') });
    expect(bad.code).toBe(2);
    expect(bad.output).toContain(SERVING_IO_ENV);
  });

  it('an action other than fetch is refused naming `action`', async () => {
    const bad = await run(['serving-io', 'sync'], {
      [SERVING_IO_ENV]: JSON.stringify({ sourceDigest: 'abc', modelPrefix }),
      KILN_SERVING_ROOT: join(home, 'never'),
    });
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('error: action: expected "fetch"');
    expect(existsSync(join(home, 'never'))).toBe(false);
  });

  it('a model prefix with no files fails the init container, saying which prefix', async () => {
    const source = await snapshotSource(artifacts, join(REPO, 'test', 'fixtures', 'serving', 'src'));
    const missing = await run(['serving-io', 'fetch'], {
      [SERVING_IO_ENV]: JSON.stringify({ sourceDigest: source.digest, modelPrefix: 'models/absent/v9' }),
      KILN_SERVING_ROOT: join(home, 'absent'),
    });
    expect(missing.code).not.toBe(0);
    expect(missing.output).toContain('models/absent/v9');
  });
});

afterAll(() => {
  server?.kill('SIGTERM');
  rmSync(home, { recursive: true, force: true });
});
