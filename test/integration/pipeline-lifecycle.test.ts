import { join } from 'node:path';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { temporal } from '@temporalio/proto';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KilnApiClient, RunView } from '../../api/client/kiln-api-client.js';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { eventually, isAlive, readPids } from '../support/process-check.js';
import { startTestStack } from '../support/test-stack.js';
import { waitForRun } from '../support/wait-for-run.js';

let stack: EmbeddedStack;
let client: KilnApiClient;
const pidDir = mkdtempSync(join(tmpdir(), 'kiln-pids-'));
const fixture = join(__dirname, '..', 'fixtures', 'sleepy');

const waitForEnd = (runId: string, timeoutMs = 90_000): Promise<RunView> => waitForRun(client, runId, timeoutMs);

beforeAll(async () => {
  ({ stack, client } = await startTestStack('lifecycle'));
  await applySpecFile(client, readSpecFile(join(fixture, 'kiln.json')));
});
afterAll(async () => stack?.stop());

describe('run lifecycle on the real dev server with real processes', () => {
  it('cancel stops the running stage, kills its whole process group and marks the run cancelled', async () => {
    const pidFile = join(pidDir, 'cancel.json');
    const { run_id } = await client.startRun({ project: 'sleepy', params: { extras: { sleep_seconds: 120, pid_file: pidFile } } });
    expect(await eventually(() => readPids(pidFile) !== undefined, 60_000)).toBe(true);
    const pids = readPids(pidFile)!;
    expect(isAlive(pids.pid) && isAlive(pids.child)).toBe(true);

    await client.cancelRun(run_id);
    const run = await waitForEnd(run_id);
    expect(run.status).toBe('cancelled');
    expect(run.steps.find((s) => s.step === 'train')?.status).toBe('cancelled');
    expect(isAlive(pids.pid)).toBe(false);
    expect(isAlive(pids.child)).toBe(false);
  });

  it('a stage over timeout_seconds fails the run as a timeout and leaves no process behind', async () => {
    const pidFile = join(pidDir, 'timeout.json');
    const { run_id } = await client.startRun({
      project: 'sleepy',
      params: { extras: { sleep_seconds: 120, pid_file: pidFile } },
      run_policy: { timeout_seconds: 2 },
    });
    const run = await waitForEnd(run_id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/train ran longer than timeout_seconds=2 and was stopped with its whole process group/);
    expect(run.failureClass).toBe('timeout');
    const pids = readPids(pidFile)!;
    expect(isAlive(pids.pid) || isAlive(pids.child)).toBe(false);
  });

  it('hands each activity to the worker in the reply to the workflow task that scheduled it (eager), not through a poll', async () => {
    // Its own project: a registered version of `sleepy` would spoil the validation-gate test below.
    await client.applyProject({ ...readSpecFile(join(fixture, 'kiln.json')).project!, name: 'sleepy-eager', source_dir: join(fixture, 'src') });
    const { run_id } = await client.startRun({ project: 'sleepy-eager', cache: false });
    expect((await waitForEnd(run_id)).status).toBe('succeeded');
    const events = (await stack.client.workflow.getHandle(run_id).fetchHistory()).events ?? [];
    const at = (e: (typeof events)[number]) => Number(e.eventTime!.seconds) * 1e3 + (e.eventTime!.nanos ?? 0) / 1e6;
    const gaps = events
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((started) => {
        const scheduled = events.find((e) => Number(e.eventId) === Number(started.activityTaskStartedEventAttributes!.scheduledEventId))!;
        return { activity: scheduled.activityTaskScheduledEventAttributes!.activityType!.name ?? '', gapMs: at(started) - at(scheduled) };
      });
    expect(gaps.map((g) => g.activity)).toEqual(expect.arrayContaining(['runStage', 'runStage']));
    // Its dataset is small: prepareRunQuickly froze the inputs in the first workflow task, as a local activity.
    expect(gaps.map((g) => g.activity)).not.toContain('prepareRun');
    // An eager start is recorded with the schedule, in the same update; a polled one only once
    // matching has dispatched it to a poller, milliseconds later.
    for (const gap of gaps) expect(gap.gapMs, gap.activity).toBeLessThan(1);
  });

  it('starts a run eagerly: the worker in the API process gets its first workflow task in the reply to the start', async () => {
    await client.applyProject({ ...readSpecFile(join(fixture, 'kiln.json')).project!, name: 'sleepy-eager-start', source_dir: join(fixture, 'src') });
    const { run_id } = await client.startRun({ project: 'sleepy-eager-start' });
    expect((await waitForEnd(run_id)).status).toBe('succeeded');
    const [started] = (await stack.client.workflow.getHandle(run_id).fetchHistory()).events ?? [];
    expect(started?.workflowExecutionStartedEventAttributes?.eagerExecutionAccepted).toBe(true);
  });

  it('a failing stage is retried retry_count_limit times, then fails the run with its stderr', async () => {
    const { run_id } = await client.startRun({ project: 'sleepy', params: { extras: { fail: true } }, run_policy: { retry_count_limit: 1 } });
    const run = await waitForEnd(run_id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/exited with code 3: deliberate failure/);
    expect(run.failureClass).toBe('user_code_error');
    const stored = await stack.backends.metadata.runs.getRun(run_id);
    expect(stored?.stages.find((s) => s.stage === 'train')?.attempt).toBe(2);
    const attempts = run.steps.find((s) => s.step === 'train')?.attempts ?? [];
    expect(attempts.map((a) => [a.attempt, a.status, a.failureClass, a.retried])).toEqual([
      [1, 'failed', 'user_code_error', true],
      [2, 'failed', 'user_code_error', false],
    ]);
    expect(attempts[0]?.message).toMatch(/^user code failed: train exited with code 3: deliberate failure.*; attempt 1, retry 1 of 1$/);
    expect(attempts[0]?.logUri).toMatch(/train/);
  });

  it('bad params that user code rejects are attempted once, whatever retry_count_limit says', async () => {
    const { run_id } = await client.startRun({
      project: 'sleepy',
      params: { extras: { optimizer: 'lbfgs' } },
      run_policy: { retry_count_limit: 2 },
      cache: false,
    });
    const run = await waitForEnd(run_id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/params.extras.optimizer: expected "sgd" or "adam", got 'lbfgs'/);
    const stored = await stack.backends.metadata.runs.getRun(run_id);
    expect(stored?.stages.find((s) => s.stage === 'train')?.attempt).toBe(1);
    expect(await stack.backends.artifacts.list(`runs/${run_id}/train/logs`)).toHaveLength(1);
    expect(run.failureClass).toBe('invalid_input');
    expect(run.steps.find((s) => s.step === 'train')?.attempts?.map((a) => [a.failureClass, a.retried])).toEqual([['invalid_input', false]]);
  });

  it('a dataset file deleted after it was registered fails the run as missing data, attempted once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kiln-vanishing-data-'));
    const csv = join(dataDir, 'tiny.csv');
    cpSync(join(fixture, 'data', 'tiny.csv'), csv);
    const spec = readSpecFile(join(fixture, 'kiln.json'));
    await client.applyDataset({ ...spec.dataset!, name: 'vanishing', path: csv });
    await client.applyProject({ ...spec.project!, name: 'sleepy-vanishing', dataset: 'vanishing', source_dir: join(fixture, 'src') });
    rmSync(csv);

    const { run_id } = await client.startRun({ project: 'sleepy-vanishing', run_policy: { retry_count_limit: 2 }, cache: false });
    const run = await waitForEnd(run_id);
    expect(run.status).toBe('failed');
    expect(run.failureClass).toBe('missing_data');
    expect(run.error).toContain(`dataset file ${csv} does not exist`);
    expect(run.steps.find((s) => s.step === 'prepare')?.status).toBe('failed');
    expect(run.steps.find((s) => s.step === 'train')?.status).toBe('skipped');
    // Not retried: one prepareRun attempt in the workflow's history.
    const history = await stack.client.workflow.getHandle(run_id).fetchHistory();
    const failures = history.events?.filter((e) => e.activityTaskFailedEventAttributes) ?? [];
    expect(failures).toHaveLength(1);
    expect(failures[0]?.activityTaskFailedEventAttributes?.retryState).toBe(temporal.api.enums.v1.RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE);
    expect((await stack.backends.metadata.runs.getRun(run_id))?.failureClass).toBe('missing_data');
  });

  it('a run executes the source snapshot taken at its start, not the files as they are later', async () => {
    const sourceDir = mkdtempSync(join(tmpdir(), 'kiln-snapshot-src-'));
    cpSync(join(fixture, 'src'), sourceDir, { recursive: true });
    const spec = readSpecFile(join(fixture, 'kiln.json')).project!;
    await client.applyProject({ ...spec, name: 'sleepy-snapshot', source_dir: sourceDir });
    const { run_id } = await client.startRun({ project: 'sleepy-snapshot', params: { extras: { sleep_seconds: 3 } } });
    expect(await eventually(async () => (await client.getRun(run_id)).steps.find((s) => s.step === 'train')?.status === 'running', 60_000)).toBe(true);
    const stages = join(sourceDir, 'stages.py');
    writeFileSync(stages, readFileSync(stages, 'utf8').replace('SOURCE_VERSION = 1', 'SOURCE_VERSION = 2'));

    const run = await waitForEnd(run_id);
    expect(run.status).toBe('succeeded');
    expect(run.metrics.source_version).toBe(1);
    const next = await waitForEnd((await client.startRun({ project: 'sleepy-snapshot' })).run_id);
    expect(next.metrics.source_version).toBe(2);
    expect(next.sourceDigest).not.toBe(run.sourceDigest);
  });

  it('a model below the validation gate ends the run as rejected and is neither registered nor served', async () => {
    const { run_id } = await client.startRun({ project: 'sleepy', params: { learning_rate: 0.9 } });
    const run = await waitForEnd(run_id);
    expect(run.status).toBe('rejected');
    expect(run.steps.find((s) => s.step === 'gate')?.message).toMatch(/accuracy 0.25 < 0.5/);
    expect(run.modelVersion).toBeUndefined();
    expect(await client.listModelVersions('sleepy')).toEqual([]);
  });
});
