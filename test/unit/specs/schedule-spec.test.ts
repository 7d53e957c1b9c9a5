import { describe, expect, it } from 'vitest';
import { describeMs, DurationString, durationMs } from '../../../core/specs/duration.js';
import { parseSpec } from '../../../core/specs/parse-spec.js';
import { BackfillRequest, cronExpressionsOf, describeCadence, intervalOf, ScheduleSpec } from '../../../core/specs/schedule.js';
import { problemsOf } from './spec-problems.js';

const base = { name: 'nightly', project: 'iris' };
const parse = (input: unknown) => parseSpec(ScheduleSpec, input, 'schedule');
const pathsOf = (input: unknown) => problemsOf(() => parse(input)).map((p) => p.path);
const defaults = { timezone: 'UTC', params: {}, run_policy: {}, overlap: 'skip', catchup_window: '5m', pause_on_failure: false };

describe('ScheduleSpec cadence', () => {
  it.each([
    ['a cron string', { cron: '0 3 * * *' }],
    ['a list of cron expressions', { cron: ['0 3 * * *', '30 12 * * 1-5'] }],
    ['a cron shorthand', { cron: '@daily' }],
    ['a cron with ranges, steps and names', { cron: '*/15 9-17 * JAN-MAR MON-FRI' }],
    ['an interval', { every: '1h' }],
    ['the shortest allowed interval', { every: '10s' }],
    ['an interval with an offset', { every: { interval: '1h', offset: '15m' } }],
    ['an interval object without offset', { every: { interval: '2h' } }],
  ])('accepts %s and fills the defaults', (_label, cadence) => {
    expect(parse({ ...base, ...cadence })).toEqual({ ...base, ...cadence, ...defaults });
  });

  it('reads cron in the given time zone', () => {
    expect(parse({ ...base, cron: '0 3 * * *', timezone: 'Europe/Berlin' }).timezone).toBe('Europe/Berlin');
  });

  it('keeps every optional setting it is given', () => {
    const input = {
      ...base,
      cron: '0 3 * * *',
      timezone: 'America/New_York',
      params: { epochs: 3 },
      overlap: 'buffer_one',
      catchup_window: '1h',
      pause_on_failure: true,
      jitter: '30s',
      start_at: '2026-12-01T00:00:00Z',
      end_at: '2027-12-01T00:00:00+01:00',
      note: 'retrain on the nightly export',
      paused: true,
    };
    expect(parse(input)).toEqual({ ...input, run_policy: {} });
  });

  // Defaults here would override the project's own run policy in every scheduled run.
  it('keeps only the run policy fields the schedule overrides', () => {
    expect(parse({ ...base, every: '1h', run_policy: { timeout_seconds: 60 } }).run_policy).toEqual({ timeout_seconds: 60 });
  });

  it.each(['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'allow_all'])('accepts overlap %j', (overlap) => {
    expect(parse({ ...base, every: '1h', overlap }).overlap).toBe(overlap);
  });
});

describe('ScheduleSpec problems, by field path', () => {
  it.each([
    ['a minute out of range', { cron: '61 * * * *' }, 'schedule.cron', 'not a valid cron expression'],
    ['four cron fields', { cron: '* * * *' }, 'schedule.cron', 'expected 5 fields'],
    ['six cron fields', { cron: '0 0 3 * * *' }, 'schedule.cron', 'expected 5 fields'],
    ['an unknown shorthand', { cron: '@reboot' }, 'schedule.cron', 'expected 5 fields'],
    ['a bad expression in a list', { cron: ['0 3 * * *', '61 * * * *'] }, 'schedule.cron[1]', 'not a valid cron expression'],
    ['an empty cron list', { cron: [] }, 'schedule.cron', 'expected array to have >=1 items'],
    ['an unknown time zone', { cron: '@daily', timezone: 'Mars/Olympus' }, 'schedule.timezone', 'not a known IANA time zone'],
    ['an interval under 10 s', { every: '5s' }, 'schedule.every', 'must be at least 10s'],
    ['an interval object under 10 s', { every: { interval: '9s' } }, 'schedule.every.interval', 'must be at least 10s'],
    ['an offset equal to the interval', { every: { interval: '1h', offset: '1h' } }, 'schedule.every.offset', 'must be shorter than the interval (1h)'],
    ['an offset longer than the interval', { every: { interval: '1h', offset: '90m' } }, 'schedule.every.offset', 'must be shorter than the interval (1h)'],
    ['both cron and every', { cron: '@daily', every: '1h' }, 'schedule.every', 'give exactly one of "cron" and "every"'],
    ['neither cron nor every', {}, 'schedule.cron', 'give exactly one of "cron" and "every"'],
    [
      'start_at after end_at',
      { every: '1h', start_at: '2027-01-01T00:00:00Z', end_at: '2026-01-01T00:00:00Z' },
      'schedule.end_at',
      'must be after start_at (2027-01-01T00:00:00Z)',
    ],
    [
      'start_at equal to end_at',
      { every: '1h', start_at: '2027-01-01T00:00:00Z', end_at: '2027-01-01T01:00:00+01:00' },
      'schedule.end_at',
      'must be after start_at',
    ],
    ['a date-time without offset', { every: '1h', start_at: '2026-12-01T00:00:00' }, 'schedule.start_at', 'expected an ISO 8601 date-time'],
    ['an unparsable interval', { every: 'hourly' }, 'schedule.every', 'not a duration'],
    ['an unparsable offset', { every: { interval: '1h', offset: 'soon' } }, 'schedule.every.offset', 'not a duration'],
    ['an unparsable jitter', { every: '1h', jitter: 'a bit' }, 'schedule.jitter', 'not a duration'],
    ['an unparsable catch-up window', { every: '1h', catchup_window: 'lots' }, 'schedule.catchup_window', 'not a duration'],
    ['a catch-up window under 10 s', { every: '1h', catchup_window: '1s' }, 'schedule.catchup_window', 'must be at least 10s'],
    ['a negative jitter', { every: '1h', jitter: '-1m' }, 'schedule.jitter', 'must be at least 0s'],
  ])('rejects %s', (_label, change, path, message) => {
    expect(problemsOf(() => parse({ ...base, ...change }))).toEqual([{ path, message: expect.stringContaining(message) }]);
  });

  it('rejects an overlap policy it does not know, listing the known ones', () => {
    expect(problemsOf(() => parse({ ...base, every: '1h', overlap: 'queue' }))).toEqual([
      { path: 'schedule.overlap', message: 'expected one of "skip", "buffer_one", "buffer_all", "cancel_other", "allow_all", got "queue"' },
    ]);
  });

  it.each([
    ['the schedule', { ...base, every: '1h', retries: 3 }, 'schedule', 'unknown field "retries"'],
    ['the run policy', { ...base, every: '1h', run_policy: { queue: 'gpu' } }, 'schedule.run_policy', 'unknown field "queue"'],
  ])('rejects an unknown field in %s', (_label, input, path, message) => {
    expect(problemsOf(() => parse(input))).toEqual([{ path, message }]);
  });

  it('rejects an unknown field inside an interval object at the every path', () => {
    expect(pathsOf({ ...base, every: { interval: '1h', phase: '1m' } })).toEqual(['schedule.every']);
  });

  it.each([
    ['name', { name: 'Nightly Run' }],
    ['project', { project: '' }],
    ['note', { note: 'x'.repeat(1001) }],
    ['pause_on_failure', { pause_on_failure: 'yes' }],
  ])('rejects a malformed %s', (field, change) => {
    expect(pathsOf({ ...base, every: '1h', ...change })).toEqual([`schedule.${field}`]);
  });

  it('reports every bad field at once', () => {
    expect(pathsOf({ ...base, cron: '61 * * * *', timezone: 'Nowhere', overlap: 'queue' })).toEqual(['schedule.cron', 'schedule.timezone', 'schedule.overlap']);
  });
});

// The Temporal server reads cron and zone names more strictly than cron-parser and Intl: what it refuses must be a field problem, not a failed schedule creation.
describe('ScheduleSpec accepts only what Temporal reads', () => {
  it.each([
    ['a last-day-of-month L', '0 3 L * *'],
    ['a last-weekday 5L', '0 3 * * 5L'],
    ['a question mark', '0 3 ? * *'],
    ['a Jenkins hash H', 'H 3 * * *'],
  ])('rejects %s under schedule.cron', (_label, cron) => {
    expect(pathsOf({ ...base, cron })).toEqual(['schedule.cron']);
  });

  it.each(['utc', 'europe/berlin'])('rejects the zone %j, not spelled as the IANA database does', (timezone) => {
    expect(pathsOf({ ...base, cron: '0 3 * * *', timezone })).toEqual(['schedule.timezone']);
  });

  it.each(['UTC', 'Europe/Berlin', 'US/Pacific', 'Etc/GMT+5'])('accepts the zone %j', (timezone) => {
    expect(parse({ ...base, cron: '0 3 * * *', timezone }).timezone).toBe(timezone);
  });
});

// Each problem should show the offending value once, and that value, not "an object".
describe('ScheduleSpec problem messages', () => {
  it.each([
    ['a short interval', { every: '5s' }, '"5s"'],
    ['a bad cron', { cron: '61 * * * *' }, '"61 * * * *"'],
  ])('names the value of %s once', (_label, change, value) => {
    const [problem] = problemsOf(() => parse({ ...base, ...change }));
    expect(problem?.message.split(value)).toHaveLength(2);
  });

  it.each([
    ['end_at before start_at', { every: '1h', start_at: '2027-01-01T00:00:00Z', end_at: '2026-01-01T00:00:00Z' }, '"2026-01-01T00:00:00Z"'],
    ['an offset not shorter than the interval', { every: { interval: '1h', offset: '2h' } }, '"2h"'],
  ])('shows the offending value for %s', (_label, change, value) => {
    const [problem] = problemsOf(() => parse({ ...base, ...change }));
    expect(problem?.message).toContain(`(got ${value})`);
  });
});

describe('cadence helpers', () => {
  const spec = (cadence: object) => ScheduleSpec.parse({ ...base, ...cadence });

  it.each([
    [{ cron: '0 3 * * *' }, 'cron 0 3 * * *'],
    [{ cron: '0 3 * * *', timezone: 'Europe/Berlin' }, 'cron 0 3 * * * (Europe/Berlin)'],
    [{ cron: ['0 3 * * *', ' 30 12 * * 1-5 '] }, 'cron 0 3 * * * | 30 12 * * 1-5'],
    [{ cron: '@daily', timezone: 'America/New_York' }, 'cron @daily (America/New_York)'],
    [{ every: '1h' }, 'every 1h'],
    [{ every: { interval: '1h' } }, 'every 1h'],
    [{ every: { interval: '1h', offset: '15m' } }, 'every 1h (offset 15m)'],
  ])('describes %j as %j', (cadence, words) => {
    expect(describeCadence(spec(cadence))).toBe(words);
  });

  it('lists cron expressions trimmed, and none for an interval', () => {
    expect(cronExpressionsOf(spec({ cron: '  0 3 * * * ' }))).toEqual(['0 3 * * *']);
    expect(cronExpressionsOf(spec({ cron: ['0 3 * * *', ' @hourly'] }))).toEqual(['0 3 * * *', '@hourly']);
    expect(cronExpressionsOf(spec({ every: '1h' }))).toEqual([]);
  });

  it('gives the interval and offset, and nothing for a cron schedule', () => {
    expect(intervalOf(spec({ every: '30m' }))).toEqual({ every: '30m' });
    expect(intervalOf(spec({ every: { interval: '1d', offset: '3h' } }))).toEqual({ every: '1d', offset: '3h' });
    expect(intervalOf(spec({ every: { interval: '1d' } }))).toEqual({ every: '1d' });
    expect(intervalOf(spec({ cron: '@daily' }))).toBeUndefined();
  });
});

describe('DurationString', () => {
  const oneSecondToOneDay = DurationString({ min: 1000, max: 86_400_000 });
  const parseDuration = (text: unknown) => parseSpec(oneSecondToOneDay, text, 'timeout');

  it.each([
    ['1s', 1000],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1.5h', 5_400_000],
    ['1d', 86_400_000],
  ])('accepts %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(text);
    expect(durationMs(text)).toBe(ms);
  });

  it.each([
    ['500ms', 'must be at least 1s'],
    ['0s', 'must be at least 1s'],
    ['-1h', 'must be at least 1s'],
    ['2d', 'must be at most 1d'],
    ['1w', 'must be at most 1d'],
    ['', 'not a duration'],
    ['soon', 'not a duration'],
    ['P1D', 'not a duration'],
  ])('rejects %j', (text, message) => {
    expect(problemsOf(() => parseDuration(text))).toEqual([{ path: 'timeout', message: expect.stringContaining(message) }]);
  });

  it('rejects a number of milliseconds that is not a string', () => {
    expect(problemsOf(() => parseDuration(60_000))).toEqual([{ path: 'timeout', message: 'expected string, got 60000' }]);
  });

  it.each([
    [0, '0s'],
    [500, '500ms'],
    [1500, '1500ms'],
    [90_000, '90s'],
    [60_000, '1m'],
    [5_400_000, '90m'],
    [3_600_000, '1h'],
    [172_800_000, '2d'],
  ])('describes %d ms as %j', (ms, text) => {
    expect(describeMs(ms)).toBe(text);
  });
});

describe('BackfillRequest', () => {
  const parseBackfill = (input: unknown) => parseSpec(BackfillRequest, input, 'backfill');

  it('defaults to running the fire times one after another', () => {
    expect(parseBackfill({ start: '2026-12-01T00:00:00Z', end: '2026-12-02T00:00:00Z' })).toEqual({
      start: '2026-12-01T00:00:00Z',
      end: '2026-12-02T00:00:00Z',
      overlap: 'buffer_all',
    });
  });

  it.each([
    ['start after end', { start: '2026-12-02T00:00:00Z', end: '2026-12-01T00:00:00Z' }, 'backfill.end', 'must be after start (2026-12-02T00:00:00Z)'],
    ['start equal to end', { start: '2026-12-01T00:00:00Z', end: '2026-12-01T00:00:00Z' }, 'backfill.end', 'must be after start'],
    ['a start that is no date-time', { start: 'yesterday', end: '2026-12-01T00:00:00Z' }, 'backfill.start', 'expected an ISO 8601 date-time'],
    ['an unknown overlap', { start: '2026-12-01T00:00:00Z', end: '2026-12-02T00:00:00Z', overlap: 'parallel' }, 'backfill.overlap', 'expected one of'],
    ['an unknown field', { start: '2026-12-01T00:00:00Z', end: '2026-12-02T00:00:00Z', schedule: 'nightly' }, 'backfill', 'unknown field "schedule"'],
  ])('rejects %s', (_label, input, path, message) => {
    expect(problemsOf(() => parseBackfill(input))).toEqual([{ path, message: expect.stringContaining(message) }]);
  });
});
