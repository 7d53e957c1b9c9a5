import { describe, expect, it } from 'vitest';
import { scheduleCreateOptions, scheduleId, scheduleUpdateOptions, temporalOverlap } from '../../../core/schedules/schedule-options.js';
import { ScheduleSpec, type ScheduleSpecInput } from '../../../core/specs/schedule.js';
import { KilnKind, KilnModel, KilnProject, KilnRunStatus, KilnSchedule, KilnTrigger } from '../../../core/temporal/search-attributes.js';

const context = { taskQueue: 'kiln-pipelines', modelName: 'iris-classifier' };
const spec = (input: Partial<ScheduleSpecInput> = {}) => ScheduleSpec.parse({ name: 'nightly', project: 'iris', cron: '0 3 * * *', ...input });
const create = (input: Partial<ScheduleSpecInput> = {}) => scheduleCreateOptions(spec(input), context);
const update = (input: Partial<ScheduleSpecInput>, state: { paused: boolean; note?: string }) => scheduleUpdateOptions(spec(input), { ...context, ...state });

describe('schedule timing', () => {
  it('maps cron expressions, trimmed, to cronExpressions in the spec time zone', () => {
    expect(create({ cron: ['0 3 * * *', ' 30 12 * * 1-5 '], timezone: 'Europe/Berlin' }).spec).toEqual({
      cronExpressions: ['0 3 * * *', '30 12 * * 1-5'],
      timezone: 'Europe/Berlin',
    });
  });

  it('maps a single cron string to a list of one', () => {
    expect(create({ cron: '@daily' }).spec).toEqual({ cronExpressions: ['@daily'], timezone: 'UTC' });
  });

  it.each([
    ['an interval string', '1h', [{ every: '1h' }]],
    ['an interval object', { interval: '30m' }, [{ every: '30m' }]],
    ['an interval with offset', { interval: '1d', offset: '3h' }, [{ every: '1d', offset: '3h' }]],
  ])('maps %s to intervals and no cron', (_label, every, intervals) => {
    expect(create({ cron: undefined, every }).spec).toEqual({ intervals, timezone: 'UTC' });
  });

  it('passes jitter and the active window as dates', () => {
    expect(create({ jitter: '30s', start_at: '2026-12-01T00:00:00Z', end_at: '2027-12-01T00:00:00+01:00' }).spec).toEqual({
      cronExpressions: ['0 3 * * *'],
      timezone: 'UTC',
      jitter: '30s',
      startAt: new Date('2026-12-01T00:00:00.000Z'),
      endAt: new Date('2027-11-30T23:00:00.000Z'),
    });
  });
});

describe('schedule policies', () => {
  it.each([
    ['skip', 'SKIP'],
    ['buffer_one', 'BUFFER_ONE'],
    ['buffer_all', 'BUFFER_ALL'],
    ['cancel_other', 'CANCEL_OTHER'],
    ['allow_all', 'ALLOW_ALL'],
  ] as const)('maps overlap %s to %s', (overlap, temporal) => {
    expect(temporalOverlap(overlap)).toBe(temporal);
    expect(create({ overlap }).policies?.overlap).toBe(temporal);
  });

  it('defaults to skipping overlaps, a 5 minute catch-up window and no pause on failure', () => {
    expect(create().policies).toEqual({ overlap: 'SKIP', catchupWindow: '5m', pauseOnFailure: false });
  });

  it('passes the catch-up window and pause on failure it is given', () => {
    expect(create({ catchup_window: '1h', pause_on_failure: true }).policies).toEqual({ overlap: 'SKIP', catchupWindow: '1h', pauseOnFailure: true });
  });
});

describe('schedule action', () => {
  it('starts pipelineWorkflow with the schedule and its spec, resolved at fire time', () => {
    const parsed = spec({ params: { epochs: 3 } });
    const { action } = scheduleCreateOptions(parsed, context);
    expect(action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'pipelineWorkflow',
      workflowId: 'sched-nightly',
      taskQueue: 'kiln-pipelines',
      args: [{ scheduled: { schedule: 'nightly', spec: parsed } }],
    });
  });

  it('marks each run as a queued pipeline of the project and model, triggered by the schedule', () => {
    expect(create().action.typedSearchAttributes).toEqual([
      { key: KilnKind, value: 'pipeline' },
      { key: KilnProject, value: 'iris' },
      { key: KilnModel, value: 'iris-classifier' },
      { key: KilnRunStatus, value: 'queued' },
      { key: KilnTrigger, value: 'schedule' },
      { key: KilnSchedule, value: 'nightly' },
    ]);
  });

  it.each([
    [{ cron: '0 3 * * *', timezone: 'Europe/Berlin' }, 'iris: scheduled run (nightly, cron 0 3 * * * (Europe/Berlin))'],
    [{ cron: undefined, every: { interval: '1h', offset: '5m' } }, 'iris: scheduled run (nightly, every 1h (offset 5m))'],
  ])('summarises the run with its cadence: %j', (cadence, summary) => {
    expect(create(cadence).action.staticSummary).toBe(summary);
  });
});

describe('schedule creation', () => {
  it('ids the schedule kiln-schedule-<name>', () => {
    expect(scheduleId('nightly')).toBe('kiln-schedule-nightly');
    expect(create().scheduleId).toBe('kiln-schedule-nightly');
  });

  it('leaves a memo naming the project and the schedule', () => {
    expect(create().memo).toEqual({
      kiln: 'Continuous training: starts pipeline runs of project "iris". Details: kiln schedule show nightly',
      project: 'iris',
      schedule: 'nightly',
    });
  });

  it('marks the schedule itself as a schedule of the project', () => {
    expect(create().typedSearchAttributes).toEqual([
      { key: KilnKind, value: 'schedule' },
      { key: KilnProject, value: 'iris' },
      { key: KilnSchedule, value: 'nightly' },
    ]);
  });

  it.each([
    ['runs unless told otherwise, without note', {}, { paused: false }],
    [
      'starts paused when the spec says so, with its note',
      { paused: true, note: 'waiting for the new export' },
      { paused: true, note: 'waiting for the new export' },
    ],
    ['runs with a note', { paused: false, note: 'nightly retrain' }, { paused: false, note: 'nightly retrain' }],
  ])('%s', (_label, input, state) => {
    expect(create(input).state).toEqual(state);
  });
});

describe('schedule update', () => {
  it('takes the paused state and note from the caller, not the spec', () => {
    expect(update({ paused: false, note: 'from spec' }, { paused: true, note: 'paused by ops' }).state).toEqual({ paused: true, note: 'paused by ops' });
    expect(update({ paused: true, note: 'from spec' }, { paused: false }).state).toEqual({ paused: false });
  });

  it('carries no schedule id or memo, which cannot change', () => {
    const options = update({}, { paused: false });
    expect(options).not.toHaveProperty('scheduleId');
    expect(options).not.toHaveProperty('memo');
  });

  it('builds the same timing, action and policies as creation', () => {
    const input = { cron: undefined, every: '2h', overlap: 'buffer_one', jitter: '1m' } as const;
    const created = create(input);
    const updated = update(input, { paused: false });
    expect(updated.spec).toEqual(created.spec);
    expect(updated.action).toEqual(created.action);
    expect(updated.policies).toEqual({ overlap: 'BUFFER_ONE', catchupWindow: '5m', pauseOnFailure: false });
  });
});
