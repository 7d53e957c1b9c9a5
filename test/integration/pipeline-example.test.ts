import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentBuildLogKey } from '../../core/artifacts/artifact-keys.js';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import { KilnApiError, type KilnApiClient, type RunView } from '../../api/client/kiln-api-client.js';
import { INSTALL_DIR, type KilnConfig } from '../../core/config.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { isAlive, eventually } from '../support/process-check.js';
import { startTestStack } from '../support/test-stack.js';
import { runCli } from '../support/run-cli.js';
import { runToEnd as runToEndOf } from '../support/wait-for-run.js';

const example = join(INSTALL_DIR, 'examples', 'breast-cancer');
let stack: EmbeddedStack;
let client: KilnApiClient;
let config: KilnConfig;

const runToEnd = (request: Record<string, unknown>): Promise<RunView> => runToEndOf(client, request as Parameters<KilnApiClient['startRun']>[0], 240_000);

function firstRowFeatures(): number[] {
  const [header, row] = readFileSync(join(example, 'data', 'breast_cancer.csv'), 'utf8').split('\n');
  const target = header!.split(',').indexOf('target');
  return row!
    .split(',')
    .filter((_, i) => i !== target)
    .map(Number);
}

beforeAll(async () => {
  ({ stack, client, config } = await startTestStack('example'));
  await applySpecFile(client, readSpecFile(join(example, 'kiln.json')));
});
afterAll(async () => stack?.stop());

describe('the breast-cancer example, end to end with real Temporal, Python and processes', () => {
  let first: RunView;

  it('versions the dataset, trains, validates, registers and serves a model that predicts through the API', async () => {
    first = await runToEnd({ project: 'breast-cancer' });
    expect(first.error).toBeUndefined();
    expect(first.status).toBe('succeeded');
    expect(first.steps.map((s) => [s.step, s.status])).toEqual([
      ['prepare', 'succeeded'],
      ['environment', 'succeeded'],
      ['preprocess', 'succeeded'],
      ['train', 'succeeded'],
      ['evaluate', 'succeeded'],
      ['gate', 'succeeded'],
      ['register', 'succeeded'],
      ['promote', 'succeeded'],
      ['serve', 'succeeded'],
    ]);
    expect(first.metrics.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(first.modelVersion).toBe(1);
    expect(first.datasetVersion).toMatch(/^[0-9a-f]{16}$/);

    const prediction = await client.predict('breast-cancer', [firstRowFeatures()]);
    expect(prediction.version).toBe(1);
    expect(prediction.predictions).toEqual([0]);

    const [version] = await client.listModelVersions('breast-cancer');
    expect(version).toMatchObject({
      modelName: 'breast-cancer',
      version: 1,
      runId: first.runId,
      datasetVersion: first.datasetVersion,
      environmentDigest: first.environmentDigest,
      sourceDigest: first.sourceDigest,
    });
    expect((version as { params: { extras: Record<string, unknown> } }).params.extras).toEqual({ C: 1.0, penalty: 'l2' });
  });

  it('a second run starts with no build wait and hot-swaps serving to the new version', async () => {
    const oldServer = (await stack.backends.metadata.models.currentDeployment('breast-cancer'))!;
    const second = await runToEnd({ project: 'breast-cancer', params: { extras: { C: 0.5 } } });
    expect(second.status).toBe('succeeded');
    expect(second.buildWaitMs).toBe(0);
    expect(second.steps.find((s) => s.step === 'environment')?.message).toMatch(/already built/);
    expect(second.modelVersion).toBe(2);
    expect((await client.predict('breast-cancer', [firstRowFeatures()])).version).toBe(2);
    expect(await eventually(() => !isAlive(oldServer.pid!), 10_000)).toBe(true);
  });

  it('stores the stage logs and the unified metric series', async () => {
    const logs = await stack.backends.artifacts.list(`runs/${first.runId}`);
    expect(logs.some((key) => key.includes('train') && key.endsWith('.log'))).toBe(true);
    const metrics = await stack.backends.metadata.metrics.forRun(first.runId);
    expect(
      metrics
        .filter((m) => m.stage === 'evaluate')
        .map((m) => m.name)
        .sort(),
    ).toEqual(['accuracy', 'f1', 'log_loss', 'roc_auc']);
  });
});

describe('bad input is rejected at the API with field-named errors and starts nothing', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['a mistyped parameter', { project: 'breast-cancer', params: { learning_rate: 'abc' } }, 'params.learning_rate', /expected number, got "abc"/],
    ['an unknown parameter', { project: 'breast-cancer', params: { learnng_rate: 0.1 } }, 'params', /unknown field "learnng_rate"/],
    ['an undeclared extra', { project: 'breast-cancer', params: { extras: { gamma: 1 } } }, 'params.extras.gamma', /not declared/],
    ['an extra of the wrong type', { project: 'breast-cancer', params: { extras: { C: 'big' } } }, 'params.extras.C', /expected number/],
    ['a negative timeout', { project: 'breast-cancer', run_policy: { timeout_seconds: -1 } }, 'run_policy.timeout_seconds', /./],
    ['an unknown project', { project: 'nope' }, 'project', /not registered/],
  ];

  it.each(cases)('%s', async (_name, request, path, message) => {
    const before = await stack.client.workflow.count(`KilnProject = 'breast-cancer'`);
    const error = await client.startRun(request as never).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KilnApiError);
    const field = (error as KilnApiError).fields.find((f) => f.path === path);
    expect(field?.message).toMatch(message);
    expect((error as KilnApiError).status).toBe(400);
    expect((await stack.client.workflow.count(`KilnProject = 'breast-cancer'`)).count).toBe(before.count);
  });

  it('the CLI prints the field path, exits 2 and starts no workflow', async () => {
    const before = await stack.client.workflow.count(`KilnProject = 'breast-cancer'`);
    // Asynchronous: the API answering the CLI lives in this very process.
    const cli = await runCli(['run', 'start', '-p', 'breast-cancer', '--param', 'learning_rate=abc'], client.baseUrl, config.home);
    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain('error: params.learning_rate: expected number, got "abc"');
    expect(cli.stdout).toBe('');
    expect((await stack.client.workflow.count(`KilnProject = 'breast-cancer'`)).count).toBe(before.count);
  });

  it('an environment asking for a Python this machine lacks fails the build with a clear error', async () => {
    await client.applyEnvironment({ name: 'py-3-99', python_version: '3.99' });
    await client.applyProject({ ...readSpecFile(join(example, 'kiln.json')).project!, name: 'needs-py399', environment: 'py-3-99' });
    const run = await runToEnd({ project: 'needs-py399' });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/no Python 3.99 interpreter/);
    expect(run.failureClass).toBe('environment_unavailable');
    // The build record points at the build's log, kept in the artifact store.
    const environment = ((await client.listEnvironments()) as { name: string; specDigest: string; build: { status: string; error: string } | null }[]).find(
      (e) => e.name === 'py-3-99',
    )!;
    expect(environment.build?.status).toBe('failed');
    expect(environment.build?.error).toContain(`(build log: ${stack.backends.artifacts.uri(environmentBuildLogKey(environment.specDigest, 1))})`);
    expect(await text(await stack.backends.artifacts.get(environmentBuildLogKey(environment.specDigest, 1)))).toMatch(/no Python 3.99 interpreter/);
  });
});
