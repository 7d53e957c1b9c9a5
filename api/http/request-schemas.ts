import { z } from 'zod';
import type { RunStatus } from '../../core/pipeline/run-progress.js';
import { ResourceName, TriggerKind } from '../../core/specs/index.js';
import { LIMITS } from '../../core/specs/limits.js';

/** Request schemas owned by the HTTP layer; the spec schemas live in core/specs. */
export const PredictRequest = z
  .object({
    instances: z
      .array(z.union([z.array(z.number()), z.record(z.string(), z.number())]))
      .min(1)
      .max(LIMITS.predictInstances),
  })
  .strict();

export const RollbackRequest = z
  .object({
    to_version: z.number().int().min(1).optional(),
    reason: z.string().max(1000).optional(),
    /** Who rolls back (recorded in the alias history). */
    by: z.string().min(1).max(128).optional().describe('Set by the API to the authenticated caller; a value sent here is replaced'),
  })
  .strict();

/** Pause or unpause, with an optional note shown with the schedule. */
export const NoteRequest = z.object({ note: z.string().max(1000).optional() }).strict();

export const ExtendRequest = z.object({ max_trial_count: z.number().int().min(1).max(LIMITS.trials) }).strict();

const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'rejected', 'cancelled'] as const satisfies readonly RunStatus[];

/** A query or path value that must be a whole number in [min, max]; they arrive as text. */
export const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** `GET /v1/runs` filters. */
export const RunsQuery = z
  .object({
    project: z.string().min(1).max(LIMITS.name).optional(),
    status: z.enum(RUN_STATUSES).optional(),
    trigger: TriggerKind.optional(),
    schedule: z.string().min(1).max(LIMITS.name).optional(),
    /** Default 50. */
    limit: wholeNumber(1, LIMITS.listRows).optional(),
  })
  .strict();

/** `GET /v1/experiments` filters. */
export const ExperimentsQuery = z
  .object({
    /** Only a resource name: it goes into a Temporal visibility query. */
    project: ResourceName.optional(),
    /** Default 50. */
    limit: wholeNumber(1, LIMITS.listRows).optional(),
  })
  .strict();

/** `GET /v1/models/{name}/monitoring`: how many reports, newest first (default 10). */
export const MonitoringQuery = z.object({ limit: wholeNumber(1, 100).optional() }).strict();

/** `GET /v1/approvals` filter. */
export const ApprovalsQuery = z.object({ model: z.string().min(1).max(LIMITS.name).optional() }).strict();

/** `GET /v1/datasets/{name}/profile`: which version (default: the newest stored). */
export const ProfileQuery = z
  .object({
    version: z
      .string()
      .regex(/^[0-9a-f]{16}$/, 'not a dataset version id (16 hex characters)')
      .optional(),
  })
  .strict();

/** Run and experiment ids as Kiln makes them (`<project>-<time>-<hex>`, `sched-…`, `exp-…`). */
export const IdParams = z.object({ id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.:_-]{0,254}$/, 'not a run or experiment id') }).strict();

/** No query parameter at all: the default for a route that declares none. */
export const NoQuery = z.object({}).strict();

/** Headers `POST /v1/runs` reads; the key's own rules are checked by the service. */
export const IdempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .describe(
      'Up to 200 printable ASCII characters. A repeated (or racing) start with the same key and body returns the run the key names, with `existing: true`; with another body it is a 409.',
    )
    .optional(),
});
