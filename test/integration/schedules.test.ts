/**
 * Schedules on the real Temporal dev server, with a real worker, API and Python stages:
 * create/update/pause/unpause/trigger/delete, backfill with nominal times, overlap skip,
 * surviving a restart of the API and worker, and bad input that creates nothing.
 */
import { join } from 'node:path';
import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import { KilnApiClient, KilnApiError } from '../../api/client/kiln-api-client.js';
import type { KilnConfig } from '../../core/config.js';
import { scheduleId } from '../../core/schedules/schedule-options.js';
import { KilnSchedule, KilnTrigger } from '../../core/temporal/search-attributes.js';
import { startEmbeddedStack, type EmbeddedStack } from '../../workers/embedded-stack.js';
import { eventually } from '../support/process-check.js';
import { runCli } from '../support/run-cli.js';
import { startTestStack } from '../support/test-stack.js';
import { waitForRun } from '../support/wait-for-run.js';

let stack: EmbeddedStack;
let client: KilnApiClient;
let config: KilnConfig;
const fixture = join(import.meta.dirname, '..', 'fixtures', 'sleepy');
// The dev server outlives this file: names unique to this process never meet an earlier run's schedules.
const unique = (name: string) => `${name}-${process.pid % 100000}`;
const YEARLY = '0 0 1 1 *';

async function rejection(promise: Promise<unknown>): Promise<KilnApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KilnApiError);
  return error as KilnApiError;
}

const exists = (name: string) =>
  stack.client.schedule
    .getHandle(scheduleId(name))
    .describe()
    .then(
      () => true,
      (e: unknown) => (e instanceof ScheduleNotFoundError ? false : Promise.reject(e)),
    );
const runsOf = async (name: string) => {
  const ids: string[] = [];
  for await (const wf of stack.client.workflow.list({ query: `KilnSchedule = '${name}'` })) ids.push(wf.workflowId);
  return ids.sort();
};

beforeAll(async () => {
  ({ stack, client, config } = await startTestStack('schedules'));
  await applySpecFile(client, readSpecFile(join(fixture, 'kiln.json')));
});
afterAll(async () => stack?.stop());

describe('schedules on Temporal Schedules', () => {
  it('create, update in place, pause with a note, unpause, trigger a run that carries KilnSchedule and KilnTrigger, delete', async () => {
    const name = unique('lifecycle');
    const created = await client.applySchedule({ name, project: 'sleepy', cron: '0 3 * * *', timezone: 'Europe/Berlin', note: 'nightly retrain' });
    expect(created).toMatchObject({
      name,
      created: true,
      project: 'sleepy',
      paused: false,
      note: 'nightly retrain',
      cadence: 'cron 0 3 * * * (Europe/Berlin)',
    });
    expect(created.next_fire_times).toHaveLength(5);
    // 03:00 in Berlin is 02:00 UTC in winter, 01:00 in summer.
    expect(created.next_fire_times.every((t) => /T0[12]:00:00/.test(t))).toBe(true);
    const described = await stack.client.schedule.getHandle(scheduleId(name)).describe();
    expect(String(described.memo?.kiln)).toContain('project "sleepy"');

    const updated = await client.applySchedule({ name, project: 'sleepy', every: '2h', params: { extras: { sleep_seconds: 0.1 } } });
    expect(updated).toMatchObject({ created: false, cadence: 'every 2h', note: 'nightly retrain' });
    expect(updated.spec.params).toEqual({ extras: { sleep_seconds: 0.1 } });
    expect(Date.parse(updated.next_fire_times[1]!) - Date.parse(updated.next_fire_times[0]!)).toBe(2 * 3600_000);

    const paused = await client.pauseSchedule(name, 'data freeze until Monday');
    expect(paused).toMatchObject({ paused: true, note: 'data freeze until Monday' });
    expect(await client.unpauseSchedule(name)).toMatchObject({ paused: false });

    await client.triggerSchedule(name);
    let runs: string[] = [];
    expect(await eventually(async () => (runs = await runsOf(name)).length === 1, 20_000)).toBe(true);
    const run = await waitForRun(client, runs[0]!, 90_000);
    expect(run).toMatchObject({ status: 'succeeded', trigger: 'schedule', schedule: name, project: 'sleepy' });
    expect(run.runId).toMatch(new RegExp(`^sched-${name}-\\d{4}-\\d{2}-\\d{2}T`));
    const attributes = (await stack.client.workflow.getHandle(run.runId).describe()).typedSearchAttributes;
    expect(attributes.get(KilnSchedule)).toBe(name);
    expect(attributes.get(KilnTrigger)).toBe('schedule');
    const shown = await client.getSchedule(name);
    expect(shown.recent_runs[0]).toMatchObject({ run_id: run.runId, status: 'succeeded' });
    expect((await client.listRuns({ schedule: name })).map((r) => r.id)).toEqual([run.runId]);

    // Applying the same name again never makes a second schedule.
    await client.applySchedule({ name, project: 'sleepy', every: '3h' });
    expect(await eventually(async () => (await client.listSchedules()).filter((s) => s.name === name).length === 1, 10_000)).toBe(true);

    expect(await client.deleteSchedule(name)).toEqual({ name, deleted: true });
    expect(await exists(name)).toBe(false);
    expect((await rejection(client.getSchedule(name))).status).toBe(404);
  });

  it('a backfill over 3 fire times starts 3 runs, each with its nominal time', async () => {
    const name = unique('backfill');
    await client.applySchedule({ name, project: 'sleepy', cron: YEARLY, overlap: 'allow_all' });
    const result = await client.backfillSchedule(name, { start: '2023-01-01T00:00:00Z', end: '2025-01-01T00:00:00Z', overlap: 'allow_all' });
    expect(result.fire_times).toEqual(['2023-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
    let runs: string[] = [];
    expect(await eventually(async () => (runs = await runsOf(name)).length === 3, 30_000)).toBe(true);
    expect(runs).toEqual([2023, 2024, 2025].map((y) => `sched-${name}-${y}-01-01T00:00:00Z`));
    for (const id of runs) expect((await waitForRun(client, id, 120_000)).status).toBe('succeeded');
    await client.deleteSchedule(name);
  });

  it('overlap skip: a run due while the previous one still runs is skipped', async () => {
    const name = unique('skip');
    await client.applySchedule({ name, project: 'sleepy', cron: YEARLY, overlap: 'skip', params: { extras: { sleep_seconds: 6 } } });
    await client.triggerSchedule(name);
    expect(await eventually(async () => (await client.getSchedule(name)).running.length === 1, 20_000)).toBe(true);
    await client.triggerSchedule(name);
    await client.triggerSchedule(name);
    const [first] = await runsOf(name);
    expect((await waitForRun(client, first!, 90_000)).status).toBe('succeeded');
    const shown = await client.getSchedule(name);
    expect(shown.actions_taken).toBe(1);
    expect(shown.skipped_overlap).toBe(2);
    expect(await runsOf(name)).toHaveLength(1);
    await client.deleteSchedule(name);
  });

  it('a schedule survives a restart of the API and the worker, and the next fire runs on the new worker', async () => {
    const name = unique('survivor');
    await client.applySchedule({ name, project: 'sleepy', every: '10s', note: 'keeps going' });
    await stack.stop();
    // A new process would find the same dev server, data directory and task queue.
    stack = await startEmbeddedStack(config, { ephemeralApiPort: true });
    client = new KilnApiClient(stack.apiUrl!, { token: stack.adminToken });
    expect(await client.getSchedule(name)).toMatchObject({ note: 'keeps going', paused: false });
    let runs: string[] = [];
    expect(await eventually(async () => (runs = await runsOf(name)).length >= 1, 30_000, 500)).toBe(true);
    expect((await waitForRun(client, runs[0]!, 90_000)).status).toBe('succeeded');
    await client.deleteSchedule(name);
  });

  it('a run that cannot start any more (its project changed under it) fails with the reason, and pause_on_failure pauses the schedule', async () => {
    const name = unique('orphan');
    const project = readSpecFile(join(fixture, 'kiln.json')).project!;
    await client.applyProject({ ...project, name: 'sleepy-changing' });
    await client.applySchedule({ name, project: 'sleepy-changing', cron: YEARLY, pause_on_failure: true, params: { extras: { optimizer: 'adam' } } });
    // The project drops the extra the schedule overrides.
    const { optimizer: _gone, ...extras } = project.default_params!.extras!;
    await client.applyProject({ ...project, name: 'sleepy-changing', default_params: { ...(project.default_params as object), extras } });
    await client.triggerSchedule(name);
    let shown = await client.getSchedule(name);
    expect(await eventually(async () => (shown = await client.getSchedule(name)).recent_runs[0]?.status === 'failed', 30_000, 250)).toBe(true);
    expect(shown.recent_runs[0]!.error).toMatch(/^schedule .*: cannot start a run of sleepy-changing: params\.extras\.optimizer: not declared/);
    expect(await eventually(async () => (await client.getSchedule(name)).paused, 15_000, 250)).toBe(true);
    await client.deleteSchedule(name);
  });

  it('a kiln apply file with a schedules section creates, then updates in place', async () => {
    const name = unique('applied');
    const spec = { ...readSpecFile(join(fixture, 'kiln.json')), schedules: [{ name, project: 'sleepy', every: '6h' }] };
    expect((await applySpecFile(client, spec)).schedules).toEqual([expect.objectContaining({ name, created: true, cadence: 'every 6h' })]);
    expect((await applySpecFile(client, { ...spec, schedules: [{ name, project: 'sleepy', every: '12h' }] })).schedules).toEqual([
      expect.objectContaining({ name, created: false, cadence: 'every 12h' }),
    ]);
    await client.deleteSchedule(name);
  });

  it('kiln schedule show prints the state, the note and the next fire times', async () => {
    const name = unique('cli');
    await client.applySchedule({ name, project: 'sleepy', every: '1h', note: 'hourly refresh' });
    const cli = await runCli(['schedule', 'show', name], client.baseUrl, config.home);
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain(`schedule ${name}  project sleepy  ACTIVE`);
    expect(cli.stdout).toContain('note      hourly refresh');
    expect(cli.stdout).toMatch(/next {6}\d{4}-\d{2}-\d{2} \d{2}:00:00, /);
    const missing = await runCli(['schedule', 'pause', 'no-such-schedule'], client.baseUrl, config.home);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('schedule "no-such-schedule" not found');
    await client.deleteSchedule(name);
  });
});

describe('bad schedule input: 400/404 with the field path, nothing created or changed', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['a bad cron expression', { cron: '61 * * * *' }, 'schedule.cron', /not a valid cron expression/],
    ['a cron with 4 fields', { cron: ['0 3 * *'] }, 'schedule.cron[0]', /expected 5 fields/],
    ['an unknown time zone', { cron: '0 3 * * *', timezone: 'Mars/Olympus' }, 'schedule.timezone', /IANA time zone/],
    ['an interval under 10 s', { every: '5s' }, 'schedule.every', /at least 10s/],
    ['neither cron nor every', {}, 'schedule.cron', /exactly one of "cron" and "every"/],
    ['start_at after end_at', { every: '1h', start_at: '2027-01-02T00:00:00Z', end_at: '2027-01-01T00:00:00Z' }, 'schedule.end_at', /must be after start_at/],
    ['an unknown project', { every: '1h', project: 'nope' }, 'schedule.project', /not registered/],
    [
      'a param the project does not declare',
      { every: '1h', params: { extras: { gamma: 1 } } },
      'schedule.params.extras.gamma',
      /not declared by project "sleepy"/,
    ],
    ['a param of the wrong type', { every: '1h', params: { learning_rate: 'fast' } }, 'schedule.params.learning_rate', /expected number/],
  ];
  it.each(cases)('%s', async (_what, fields, path, message) => {
    const name = unique(`bad-${path.replace(/\W/g, '')}`);
    const error = await rejection(client.applySchedule({ name, project: 'sleepy', ...fields }));
    expect(error.status).toBe(400);
    expect(error.fields.find((f) => f.path === path)?.message).toMatch(message);
    expect(await exists(name)).toBe(false);
  });

  it('a backfill over more than 1,000 intervals, or with start after end, is refused and starts nothing', async () => {
    const name = unique('wide');
    await client.applySchedule({ name, project: 'sleepy', every: '10s', paused: true });
    const tooMany = await rejection(client.backfillSchedule(name, { start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z' }));
    expect(tooMany.status).toBe(400);
    expect(tooMany.fields[0]).toMatchObject({ path: 'end' });
    expect(tooMany.fields[0]!.message).toMatch(/covers more than 1000 fire times .* at most 1000/);
    const backwards = await rejection(client.backfillSchedule(name, { start: '2026-01-02T00:00:00Z', end: '2026-01-01T00:00:00Z' }));
    expect(backwards.fields[0]).toMatchObject({ path: 'end', message: expect.stringMatching(/must be after start/) });
    expect((await client.getSchedule(name)).actions_taken).toBe(0);
    expect(await runsOf(name)).toEqual([]);
    await client.deleteSchedule(name);
  });

  it('an unknown schedule is a 404 for every action', async () => {
    const calls = [
      () => client.getSchedule('nope'),
      () => client.pauseSchedule('nope'),
      () => client.triggerSchedule('nope'),
      () => client.deleteSchedule('nope'),
      () => client.backfillSchedule('nope', { start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z' }),
    ];
    for (const call of calls) expect((await rejection(call())).status).toBe(404);
  });

  it('pointing an existing schedule at another project is a 409 and changes nothing', async () => {
    const name = unique('owner');
    await client.applySchedule({ name, project: 'sleepy', every: '1h' });
    await client.applyProject({ ...readSpecFile(join(fixture, 'kiln.json')).project!, name: 'sleepy-other' });
    const error = await rejection(client.applySchedule({ name, project: 'sleepy-other', every: '2h' }));
    expect(error.status).toBe(409);
    expect((await client.getSchedule(name)).cadence).toBe('every 1h');
    await client.deleteSchedule(name);
  });
});
