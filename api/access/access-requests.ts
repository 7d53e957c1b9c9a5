import { z } from 'zod';
import { AccessName, PrincipalRef } from '../../core/access/principal.js';
import { BindingScope } from '../../core/access/resource-scope.js';
import { DurationString } from '../../core/specs/duration.js';

const DAY_MS = 86_400_000;

/** `POST /v1/bindings`: give a principal a role, on every resource or a scope. */
export const BindingRequest = z
  .object({
    principal: PrincipalRef.describe('"user:<name>" or "service-account:<name>"'),
    role: AccessName,
    scope: BindingScope.optional(),
  })
  .strict();

/** `POST /v1/tokens`: a token for the caller, or (with admin:access) for another principal. */
export const TokenRequest = z
  .object({
    name: AccessName.describe('What the token is for, e.g. "laptop" or "ci"'),
    owner: PrincipalRef.optional().describe('Default: the caller'),
    expires_in: DurationString({ min: 60_000, max: 366 * DAY_MS })
      .default('90d')
      .describe('From 1m to 366d; default 90d'),
  })
  .strict();

/** `GET /v1/audit` filters. */
export const AuditQuery = z
  .object({
    principal: z.string().max(140).optional(),
    resource: z.string().max(255).optional(),
    outcome: z.enum(['ok', 'denied', 'invalid', 'error']).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    before: z
      .string()
      .regex(/^\d{1,15}$/, 'expected a sequence number')
      .transform(Number)
      .optional(),
    limit: z
      .string()
      .regex(/^\d{1,4}$/, 'expected a whole number')
      .transform(Number)
      .pipe(z.number().int().min(1).max(1000))
      .optional(),
  })
  .strict();

/** `GET /v1/tokens`: `all=true` lists everyone's (admin:access). */
export const TokensQuery = z.object({ all: z.enum(['true', 'false']).optional() }).strict();
