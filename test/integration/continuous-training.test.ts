/**
 * The champion/challenger loop with real Python stages on the continuous-training example:
 * the champion is evaluated on the challenger's test split, a worse challenger and a tie stay
 * challenger, a better one is hot-swapped in, a cached rerun registers nothing new, manual
 * approval through the API and CLI, rollback, aliases and their history.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import { KilnApiError, type KilnApiClient, type RunView } from '../../api/client/kiln-api-client.js';
import { INSTALL_DIR, type KilnConfig } from '../../core/config.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { eventually } from '../support/process-check.js';
import { runCli } from '../support/run-cli.js';
import { startTestStack } from '../support/test-stack.js';
import { runToEnd, waitForRun } from '../support/wait-for-run.js';

let stack: EmbeddedStack;
let client: KilnApiClient;
let config: KilnConfig;
const MODEL = 'machine-failure';
// A copy: nothing here may change the example's files.
const example = mkdtempSync(join(tmpdir(), 'kiln-ct-example-'));
const run = (features: string, extra: Record<string, unknown> = {}) =>
  runToEnd(client, { project: MODEL, params: { extras: { features } }, ...extra }, 120_000);
const step = (view: RunView, name: string) => view.steps.find((s) => s.step === name)!;
const READING = { temperature: 80, vibration: 1.1, pressure: 100, hours_since_service: 1000 };

async function rejection(promise: Promise<unknown>): Promise<KilnApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KilnApiError);
  return error as KilnApiError;
}

beforeAll(async () => {
  cpSync(join(INSTALL_DIR, 'examples', 'continuous-training'), example, { recursive: true });
  ({ stack, client, config } = await startTestStack('ct'));
  const { schedules: _minutely, ...specs } = readSpecFile(join(example, 'kiln.json'));
  // No watcher here (test/integration/dataset-watch.test.ts covers it): runs start only when this test says.
  const { watch: _watch, ...dataset } = specs.dataset!;
  await applySpecFile(client, { ...specs, dataset });
});
afterAll(async () => stack?.stop());

describe('champion and challenger, with real stages', () => {
  let champion: RunView;

  it('the first version that passes the gate becomes champion and serves', async () => {
    champion = await run('vibration');
    expect(champion).toMatchObject({ status: 'succeeded', modelVersion: 1, promotion: 'champion' });
    expect(step(champion, 'promote').message).toBe('v1 is champion: first champion');
    expect(step(champion, 'serve').status).toBe('succeeded');
    expect((await client.predict(MODEL, [READING])).version).toBe(1);
  });

  it('a worse challenger is registered as challenger, compared on its own test split, and not served', async () => {
    const worse = await run('hours_since_service');
    expect(worse).toMatchObject({ status: 'succeeded', modelVersion: 2, promotion: 'challenger' });
    // The champion was scored on exactly the challenger's test rows.
    expect(worse.champion?.version).toBe(1);
    expect(worse.champion?.metrics?.test_rows).toBe(worse.metrics.test_rows);
    expect(worse.champion?.metrics?.accuracy).toBeCloseTo(champion.metrics.accuracy!, 10);
    const [mine, theirs] = [worse.metrics.accuracy!, worse.champion!.metrics!.accuracy!];
    expect(step(worse, 'promote')).toMatchObject({
      status: 'skipped',
      message: `did not beat champion v1 (${Number(mine.toPrecision(4))} vs ${Number(theirs.toPrecision(4))}, needs +0.005)`,
    });
    expect(step(worse, 'serve')).toMatchObject({ status: 'skipped', message: 'champion v1 keeps serving' });
    // v1 was already evaluated on this dataset version (in its own run): the stage cache answers.
    const record = await stack.backends.metadata.runs.getRun(worse.runId);
    expect(record?.stages.find((s) => s.stage === 'champion')).toMatchObject({ status: 'cached', reusedFrom: champion.runId });
    expect((await client.predict(MODEL, [READING])).version).toBe(1);
  });

  it('a tie within min_delta keeps the champion', async () => {
    const tie = await run('vibration', { params: { seed: 7, extras: { features: 'vibration' } } });
    expect(tie.modelVersion).toBe(3);
    expect(tie.metrics.accuracy).toBeCloseTo(tie.champion!.metrics!.accuracy!, 10);
    expect(tie.promotion).toBe('challenger');
    expect(step(tie, 'promote').message).toMatch(/^did not beat champion v1 \(/);
  });

  it('after new rows arrive, a better challenger beats the champion on the new split and is hot-swapped in', async () => {
    execFileSync('python3', [join(example, 'data', 'sensors.py'), 'append', '--rows', '60']);
    const better = await run('all');
    expect(better.datasetVersion).not.toBe(champion.datasetVersion);
    // A new split: the champion's evaluation really ran this time, as an attempt of the promote step.
    expect(better.champion?.metrics?.test_rows).toBe(better.metrics.test_rows);
    expect(better.champion?.metrics?.test_rows).toBeGreaterThan(champion.metrics.test_rows!);
    expect(step(better, 'promote').attempts?.[0]).toMatchObject({ status: 'succeeded', logUri: expect.stringContaining('/champion/') });
    expect(better).toMatchObject({ modelVersion: 4, promotion: 'champion' });
    expect(step(better, 'promote').message).toMatch(/^v4 is champion: beat champion v1 \(0\.\d+ vs 0\.\d+, needs \+0\.005\)$/);
    expect((await client.predict(MODEL, [READING])).version).toBe(4);
  });

  it('a rerun whose train stage comes from the cache registers no second version and swaps nothing', async () => {
    const before = await client.listModelVersions(MODEL);
    const serving = await stack.backends.metadata.models.currentDeployment(MODEL);
    const again = await run('all');
    // The same server process keeps serving.
    expect(await stack.backends.metadata.models.currentDeployment(MODEL)).toMatchObject({ id: serving!.id, pid: serving!.pid });
    expect(step(again, 'serve').message).toMatch(/^v4 already champion, serving at http/);
    expect(step(again, 'train').status).toBe('cached');
    expect(again.modelVersion).toBe(4);
    expect(step(again, 'register').message).toMatch(/v4 already holds these model files/);
    expect(step(again, 'promote')).toMatchObject({ status: 'skipped', message: 'v4 is already champion' });
    expect(await client.listModelVersions(MODEL)).toHaveLength(before.length);
  });

  it('kiln model show lists the versions, the aliases and every move', async () => {
    const shown = await client.showModel(MODEL);
    expect(shown.aliases.map((a) => [a.alias, a.version])).toEqual([
      ['challenger', 3],
      ['champion', 4],
    ]);
    expect(shown.alias_history.map((e) => [e.alias, e.previousVersion, e.version, e.actor])).toEqual([
      ['champion', null, 1, 'promotion'],
      ['challenger', null, 2, 'promotion'],
      ['challenger', 2, 3, 'promotion'],
      ['champion', 1, 4, 'promotion'],
    ]);
    const cli = await runCli(['model', 'show', MODEL], client.baseUrl, config.home);
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain('aliases   challenger=v3  champion=v4');
    expect(cli.stdout).toMatch(/champion {4}v1 → v4 +by promotion \(run .*\): beat champion v1/);
    expect(cli.stdout).toMatch(/challenger {2}v2 +by promotion .*did not beat champion v1/);
  });

  it('rollback moves champion back and records who did it and why', async () => {
    const rolled = await client.rollbackModel(MODEL, 1, { reason: 'pager at 3am' });
    expect(rolled).toMatchObject({ version: 1, rolled_back_from: 4 });
    const shown = await client.showModel(MODEL);
    expect(shown.aliases.find((a) => a.alias === 'champion')?.version).toBe(1);
    expect(shown.alias_history.at(-1)).toMatchObject({
      alias: 'champion',
      previousVersion: 4,
      version: 1,
      actor: 'user:admin',
      reason: 'rollback from v4: pager at 3am',
    });
    await client.rollbackModel(MODEL, 4);
  });

  it('user aliases: set, refuse champion and bad names, 404 for unknown ones', async () => {
    expect(await client.setAlias(MODEL, { alias: 'staging', version: 2 })).toMatchObject({ alias: 'staging', version: 2, previous_version: null });
    expect((await client.showModel(MODEL)).versions.find((v) => v.version === 2)?.aliases).toContain('staging');
    expect((await rejection(client.setAlias(MODEL, { alias: 'champion', version: 2 }))).status).toBe(409);
    const bad = await rejection(client.setAlias(MODEL, { alias: 'Bad Name', version: 2 }));
    expect(bad.status).toBe(400);
    expect(bad.fields[0]?.path).toBe('alias');
    expect((await rejection(client.setAlias(MODEL, { alias: 'canary', version: 99 }))).status).toBe(404);
    expect((await rejection(client.deleteAlias(MODEL, 'nope'))).status).toBe(404);
    expect(await client.deleteAlias(MODEL, 'staging')).toMatchObject({ deleted: true });
  });
});

describe('manual approval through the API and the CLI', () => {
  const waitingRun = async (features: string) => {
    const { run_id } = await client.startRun({ project: 'machine-failure-manual', params: { extras: { features } } });
    expect(await eventually(async () => (await client.pendingApprovals('machine-failure')).some((p) => p.run_id === run_id), 90_000, 250)).toBe(true);
    return run_id;
  };

  beforeAll(async () => {
    const { project } = readSpecFile(join(example, 'kiln.json'));
    await client.applyProject({ ...project!, name: 'machine-failure-manual', model_name: MODEL, promotion: { mode: 'manual', approval_timeout: '1h' } });
  });

  it('kiln model pending lists the waiting run; kiln model approve serves it and records the approver', async () => {
    const runId = await waitingRun('temperature,vibration,hours_since_service');
    const pending = await runCli(['model', 'pending', MODEL], client.baseUrl, config.home);
    expect(pending.stdout).toContain(`run ${runId}`);
    const approved = await runCli(['model', 'approve', MODEL, '--run', runId, '--reason', 'reviewed the curves'], client.baseUrl, config.home);
    expect(approved.status).toBe(0);
    expect(approved.stdout).toMatch(/^approved machine-failure v\d+ \(run .*\) by user:admin/);
    const done = await waitForRun(client, runId, 60_000);
    expect(done.promotion).toBe('champion');
    expect(done.decision).toMatchObject({ approve: true, reason: 'reviewed the curves' });
    expect((await client.showModel(MODEL)).alias_history.at(-1)).toMatchObject({
      alias: 'champion',
      version: done.modelVersion,
      reason: expect.stringMatching(/^approved by .*: reviewed the curves/),
    });
  });

  it('a rejection keeps the champion; deciding again, or on a run that is not waiting, is a 409', async () => {
    const runId = await waitingRun('temperature');
    expect(await client.decide(MODEL, 'reject', { run_id: runId, reason: 'not on a Friday' })).toMatchObject({ decision: 'rejected', by: 'user:admin' });
    const done = await waitForRun(client, runId, 60_000);
    expect(done.promotion).toBe('rejected');
    expect(done.steps.find((s) => s.step === 'promote')?.message).toBe('rejected by user:admin: not on a Friday');
    expect((await rejection(client.decide(MODEL, 'approve', { run_id: runId }))).status).toBe(409);
    expect((await rejection(client.decide(MODEL, 'approve', { run_id: 'no-such-run' }))).status).toBe(404);
    const bad = await rejection(client.decide(MODEL, 'approve', { run_id: '' }));
    expect(bad.status).toBe(400);
    expect(bad.fields[0]?.path).toBe('run_id');
  });
});
