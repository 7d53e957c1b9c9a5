import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import { KilnApiError, type KilnApiClient, type RunView } from '../../api/client/kiln-api-client.js';
import type { KilnConfig } from '../../core/config.js';
import { idempotentRunId } from '../../core/pipeline/idempotent-run-id.js';
import { Hyperparameters, RunPolicy } from '../../core/specs/index.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { eventually } from '../support/process-check.js';
import { startTestStack } from '../support/test-stack.js';
import { runCli } from '../support/run-cli.js';
import { waitForRun } from '../support/wait-for-run.js';

let stack: EmbeddedStack;
let client: KilnApiClient;
let config: KilnConfig;
const fixture = join(__dirname, '..', 'fixtures', 'sleepy');
// The dev server outlives this file: keys unique to this process never meet an earlier run's.
const key = (name: string) => `${name}-${process.pid}-${Date.now()}`;

const waitForEnd = (runId: string): Promise<RunView> => waitForRun(client, runId, 90_000);

async function rejection(promise: Promise<unknown>): Promise<KilnApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KilnApiError);
  return error as KilnApiError;
}

/** Pipeline workflows of one project on this file's task queue, as visibility counts them. */
async function workflowCount(project: string): Promise<number> {
  return (await stack.client.workflow.count(`KilnProject = '${project}' AND TaskQueue = '${config.taskQueue}'`)).count;
}

beforeAll(async () => {
  ({ stack, client, config } = await startTestStack('idempotent'));
  const specs = readSpecFile(join(fixture, 'kiln.json'));
  await applySpecFile(client, specs);
  for (const name of ['sleepy-race', 'sleepy-plain']) await client.applyProject({ ...specs.project!, name, source_dir: join(fixture, 'src') });
});
afterAll(async () => stack?.stop());

describe('starts without a key', () => {
  it('two starts in the same second that draw the same random suffix both start, under different ids', async () => {
    const random = vi.spyOn(Math, 'random').mockReturnValueOnce(0.5).mockReturnValueOnce(0.5);
    try {
      const [a, b] = await Promise.all([client.startRun({ project: 'sleepy-plain' }), client.startRun({ project: 'sleepy-plain' })]);
      expect(a.run_id).not.toBe(b.run_id);
      // Without a retry the second start is a 500 (unless the two fell into different seconds).
      expect(random.mock.calls.length).toBeGreaterThanOrEqual(2);
      for (const run of [a, b]) expect((await waitForEnd(run.run_id)).status).toBe('succeeded');
    } finally {
      random.mockRestore();
    }
  });
});

describe('starts with an idempotency key', () => {
  it('20 concurrent identical starts with one key produce one run', async () => {
    const request = { project: 'sleepy-race', params: { extras: { sleep_seconds: 1 } } };
    const idempotencyKey = key('race');
    const started = await Promise.all(Array.from({ length: 20 }, () => client.startRun(request, { idempotencyKey })));

    expect(new Set(started.map((s) => s.run_id)).size).toBe(1);
    expect(started.filter((s) => !s.existing)).toHaveLength(1);
    const runId = started[0]!.run_id;
    expect(runId).toMatch(/^sleepy-race-key-[0-9a-f]{16}$/);
    expect((await waitForEnd(runId)).status).toBe('succeeded');
    expect(await eventually(async () => (await workflowCount('sleepy-race')) >= 1, 10_000)).toBe(true);
    expect(await workflowCount('sleepy-race')).toBe(1);
  });

  it('a key reused after its run finished returns that run and starts nothing', async () => {
    const request = { project: 'sleepy', params: { epochs: 2 } };
    const idempotencyKey = key('reuse');
    const first = await client.startRun(request, { idempotencyKey });
    expect(first).toMatchObject({ status: 'queued', existing: false });
    expect((await waitForEnd(first.run_id)).status).toBe('succeeded');
    const execution = (await stack.client.workflow.getHandle(first.run_id).describe()).runId;

    const again = await client.startRun(request, { idempotencyKey });
    expect(again).toMatchObject({ run_id: first.run_id, workflow_id: first.workflow_id, status: 'succeeded', existing: true });
    expect((await stack.client.workflow.getHandle(first.run_id).describe()).runId).toBe(execution);
  });

  it('a key reused after retention removed its run starts a new run under a new id, leaving the old outputs and record alone', async () => {
    const request = { project: 'sleepy', params: { epochs: 2 } };
    const idempotencyKey = key('retention');
    // What the namespace's retention leaves of the key's first run: its record and outputs, no workflow.
    const expired = idempotentRunId('sleepy', idempotencyKey);
    const { metadata, artifacts } = stack.backends;
    await metadata.runs.createRun({
      id: expired,
      project: 'sleepy',
      modelName: 'sleepy',
      workflowId: expired,
      params: Hyperparameters.parse({}),
      policy: RunPolicy.parse({}),
      status: 'succeeded',
    });
    await artifacts.put(`runs/${expired}/train/outputs/model.json`, '{"old": true}');

    const again = await client.startRun(request, { idempotencyKey });
    expect(again).toMatchObject({ run_id: `${expired}-g2`, existing: false });
    expect((await waitForEnd(again.run_id)).status).toBe('succeeded');
    expect(await client.startRun(request, { idempotencyKey })).toMatchObject({ run_id: again.run_id, existing: true });
    expect(await artifacts.list(`runs/${expired}`)).toEqual([`runs/${expired}/train/outputs/model.json`]);
    expect((await artifacts.getBuffer(`runs/${expired}/train/outputs/model.json`)).toString()).toBe('{"old": true}');
    expect((await metadata.runs.getRun(expired))?.status).toBe('succeeded');
  });

  it('a key used for a different request answers 409 and starts nothing', async () => {
    const idempotencyKey = key('conflict');
    const first = await client.startRun({ project: 'sleepy', params: { epochs: 1 } }, { idempotencyKey });
    const execution = (await stack.client.workflow.getHandle(first.run_id).describe()).runId;

    const error = await rejection(client.startRun({ project: 'sleepy', params: { epochs: 3 } }, { idempotencyKey }));
    expect(error).toMatchObject({ status: 409, type: 'ConflictError' });
    expect(error.message).toMatch(/idempotency key already used for a different request/);
    expect((await stack.client.workflow.getHandle(first.run_id).describe()).runId).toBe(execution);
    await waitForEnd(first.run_id);
  });

  it.each([
    ['longer than 200 characters', 'x'.repeat(201)],
    ['not ASCII', 'clé'],
  ])('a key %s answers 400 naming Idempotency-Key', async (_label, idempotencyKey) => {
    const error = await rejection(client.startRun({ project: 'sleepy' }, { idempotencyKey }));
    expect(error.status).toBe(400);
    expect(error.fields).toEqual([{ path: 'Idempotency-Key', message: 'must be 1 to 200 printable ASCII characters' }]);
  });

  it('an invalid request with a key starts nothing, so the key stays free for a valid one', async () => {
    const idempotencyKey = key('invalid-first');
    const error = await rejection(client.startRun({ project: 'sleepy', params: { learning_rate: 'fast' } } as never, { idempotencyKey }));
    expect(error.status).toBe(400);

    const started = await client.startRun({ project: 'sleepy' }, { idempotencyKey });
    expect(started.existing).toBe(false);
    await waitForEnd(started.run_id);
  });
});

describe('starts without a key: readable ids', () => {
  it('two identical starts give two runs with readable ids', async () => {
    const request = { project: 'sleepy-plain' };
    const [a, b] = await Promise.all([client.startRun(request), client.startRun(request)]);
    expect(a!.run_id).not.toBe(b!.run_id);
    for (const s of [a!, b!])
      expect(s).toMatchObject({ status: 'queued', existing: false, run_id: expect.stringMatching(/^sleepy-plain-\d{8}-\d{6}-[0-9a-f]{8}$/) });
    await Promise.all([waitForEnd(a!.run_id), waitForEnd(b!.run_id)]);
  });
});

describe('kiln run start --idempotency-key', () => {
  it('prints the same run id when repeated, and says the run already existed', async () => {
    const args = ['run', 'start', '-p', 'sleepy', '--param', 'extras.sleep_seconds=1', '--idempotency-key', key('cli')];
    const first = await runCli(args, client.baseUrl, config.home);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^sleepy-key-[0-9a-f]{16}\n$/);
    expect(first.stderr).not.toContain('existing run');

    const second = await runCli(args, client.baseUrl, config.home);
    expect(second.status).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toContain('idempotency key already used: existing run');
    await waitForEnd(first.stdout.trim());
  });
});
