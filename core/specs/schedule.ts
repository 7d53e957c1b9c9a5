import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { DurationString, durationMs } from './duration.js';
import { HyperparameterOverrides } from './hyperparameters.js';
import { ResourceName } from './names.js';
import { RunPolicyOverrides } from './run-policy.js';

/** Shortest interval a schedule may fire at: anything faster is a loop, not continuous training. */
export const MIN_SCHEDULE_INTERVAL_MS = 10_000;

const SHORTHANDS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
/** One field as Temporal reads it: `*`, numbers or names, ranges, steps and lists; no L, W, #, ? or H. */
const FIELD = /^(\*|\w+(-\w+)?)(\/\d+)?(,(\*|\w+(-\w+)?)(\/\d+)?)*$/;

/** What Temporal's cron parser would refuse in one field, if anything. */
function temporalFieldProblem(field: string, index: number): string | undefined {
  if (!FIELD.test(field)) return `field ${index + 1} ("${field}") uses syntax Temporal does not read (only *, numbers, names, ranges, steps and lists)`;
  const names = field.match(/[A-Za-z]+/g) ?? [];
  const allowed = index === 3 ? MONTHS : index === 4 ? DAYS : [];
  const unknown = names.find((n) => !allowed.includes(n.toUpperCase()));
  return unknown ? `field ${index + 1} ("${field}"): "${unknown}" is not ${allowed.length ? `one of ${allowed.join(', ')}` : 'a number'}` : undefined;
}

/** Five-field cron (minute hour day-of-month month day-of-week) or a shorthand such as `@daily`. */
const CronExpression = z.string().superRefine((text, ctx) => {
  const trimmed = text.trim();
  if (SHORTHANDS.includes(trimmed)) return;
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5) {
    ctx.addIssue({ code: 'custom', input: text, message: `expected 5 fields (minute hour day-of-month month day-of-week) or one of ${SHORTHANDS.join(', ')}` });
    return;
  }
  const syntax = fields.map(temporalFieldProblem).find(Boolean);
  if (syntax) {
    ctx.addIssue({ code: 'custom', input: text, message: `not a valid cron expression: ${syntax}` });
    return;
  }
  try {
    CronExpressionParser.parse(trimmed, { strict: false });
  } catch (error) {
    ctx.addIssue({ code: 'custom', input: text, message: `not a valid cron expression: ${(error as Error).message}` });
  }
});

/**
 * An IANA time zone this machine knows, spelled as the database spells it (`UTC`, `Europe/Berlin`):
 * Temporal's server matches names exactly, where JavaScript ignores case.
 */
export const TimeZone = z.string().superRefine((zone, ctx) => {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    ctx.addIssue({ code: 'custom', input: zone, message: 'not a known IANA time zone (e.g. "UTC", "Europe/Berlin")' });
    return;
  }
  if (resolved !== zone && resolved.toLowerCase() === zone.toLowerCase()) {
    ctx.addIssue({ code: 'custom', input: zone, message: `spell it as the IANA time zone database does: "${resolved}"` });
  }
});

const Instant = z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date-time such as "2026-12-01T00:00:00Z"' });

export const OVERLAP_POLICIES = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'allow_all'] as const;
export const OverlapPolicy = z.enum(OVERLAP_POLICIES);
export type OverlapPolicy = z.infer<typeof OverlapPolicy>;

const Interval = DurationString({ min: MIN_SCHEDULE_INTERVAL_MS });

/**
 * A schedule: run a project's pipeline on a cadence (Temporal Schedule). Exactly one of `cron`
 * (one or more expressions) or `every` (an interval, optionally offset).
 */
export const ScheduleSpec = z
  .object({
    name: ResourceName,
    project: ResourceName,
    cron: z.union([CronExpression, z.array(CronExpression).min(1).max(20)]).optional(),
    every: z.union([Interval, z.object({ interval: Interval, offset: DurationString().optional() }).strict()]).optional(),
    /** Zone the cron expressions are read in. */
    timezone: TimeZone.default('UTC'),
    /** Overrides of the project's params and run policy for every scheduled run. */
    params: HyperparameterOverrides.default({}),
    run_policy: RunPolicyOverrides.default({}),
    /** What happens when a run is due while the previous one still runs. */
    overlap: OverlapPolicy.default('skip'),
    /** After an outage, fire times missed by at most this long still run. */
    catchup_window: DurationString({ min: 10_000 }).default('5m'),
    /** Pause the schedule when one of its runs fails. */
    pause_on_failure: z.boolean().default(false),
    /** Each fire time is delayed by a random amount up to this. */
    jitter: DurationString().optional(),
    start_at: Instant.optional(),
    end_at: Instant.optional(),
    /** Shown with the schedule (CLI, API, Temporal Web UI). */
    note: z.string().max(1000).optional(),
    /** Paused or not; absent: new schedules run, and an update keeps the current state. */
    paused: z.boolean().optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if ((spec.cron === undefined) === (spec.every === undefined)) {
      ctx.addIssue({ code: 'custom', path: spec.cron === undefined ? ['cron'] : ['every'], message: 'give exactly one of "cron" and "every"' });
    }
    if (spec.every !== undefined && typeof spec.every === 'object') {
      const { interval, offset } = spec.every;
      if (offset !== undefined && safeMs(offset) >= safeMs(interval))
        ctx.addIssue({ code: 'custom', path: ['every', 'offset'], input: offset, message: `must be shorter than the interval (${interval})` });
    }
    if (spec.start_at && spec.end_at && Date.parse(spec.start_at) >= Date.parse(spec.end_at)) {
      ctx.addIssue({ code: 'custom', path: ['end_at'], input: spec.end_at, message: `must be after start_at (${spec.start_at})` });
    }
  });
export type ScheduleSpecInput = z.input<typeof ScheduleSpec>;
export type ScheduleSpec = z.output<typeof ScheduleSpec>;

/** The spec's cron expressions as a list (empty for an interval schedule). */
export function cronExpressionsOf(spec: ScheduleSpec): string[] {
  if (spec.cron === undefined) return [];
  return (Array.isArray(spec.cron) ? spec.cron : [spec.cron]).map((c) => c.trim());
}

/** The spec's interval and offset, for an interval schedule. */
export function intervalOf(spec: ScheduleSpec): { every: string; offset?: string } | undefined {
  if (spec.every === undefined) return undefined;
  return typeof spec.every === 'string' ? { every: spec.every } : { every: spec.every.interval, ...(spec.every.offset ? { offset: spec.every.offset } : {}) };
}

/** "every 1m", "cron 0 3 * * * (Europe/Berlin)": the cadence in words. */
export function describeCadence(spec: ScheduleSpec): string {
  const interval = intervalOf(spec);
  if (interval) return `every ${interval.every}${interval.offset ? ` (offset ${interval.offset})` : ''}`;
  return `cron ${cronExpressionsOf(spec).join(' | ')}${spec.timezone === 'UTC' ? '' : ` (${spec.timezone})`}`;
}

function safeMs(text: string): number {
  try {
    return durationMs(text);
  } catch {
    return Number.NaN;
  }
}

/** A backfill request: the schedule's fire times in [start, end] run now, with their nominal times. */
export const BackfillRequest = z
  .object({
    start: Instant,
    end: Instant,
    /** How backfilled runs overlap each other and running ones (default: one after another). */
    overlap: OverlapPolicy.default('buffer_all'),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (Date.parse(r.start) >= Date.parse(r.end)) ctx.addIssue({ code: 'custom', path: ['end'], input: r.end, message: `must be after start (${r.start})` });
  });
export type BackfillRequest = z.output<typeof BackfillRequest>;

/** Most fire times one backfill may start. */
export const MAX_BACKFILL_RUNS = 1000;
