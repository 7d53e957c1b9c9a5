import { z } from 'zod';
import { ExperimentSpec } from '../../core/specs/experiment.js';
import { BackfillRequest, DatasetSpec, EnvironmentSpec, ProjectSpec, RunRequest, ScheduleSpec } from '../../core/specs/index.js';
import { AliasRequest, ApprovalRequest } from '../models-service.js';
import type { Route } from './routes.js';

const PredictRequest = z.object({ instances: z.array(z.union([z.array(z.number()), z.record(z.string(), z.number())])).min(1) });

/** Request schemas, from the same zod schemas the API validates with. */
export const RollbackRequest = z
  .object({
    to_version: z.number().int().min(1).optional(),
    reason: z.string().max(1000).optional(),
    /** Who rolls back (recorded in the alias history). */
    by: z.string().min(1).max(128).optional(),
  })
  .strict();
/** Pause or unpause, with an optional note shown with the schedule. */
export const NoteRequest = z.object({ note: z.string().max(1000).optional() }).strict();
const ExtendRequest = z.object({ max_trial_count: z.number().int().min(1) });
const SCHEMAS: Record<string, z.ZodType> = { EnvironmentSpec, DatasetSpec, ProjectSpec, RunRequest, PredictRequest, RollbackRequest, ExperimentSpec, ExtendRequest, ScheduleSpec, BackfillRequest, NoteRequest, AliasRequest, ApprovalRequest };

/** OpenAPI 3.1 document generated from the route table and the zod schemas. */
export function openApiDocument(routes: Route[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters = [
      ...[...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...(route.headers ?? []).map((h) => ({ name: h.name, in: 'header', required: false, description: h.description, schema: { type: 'string' } })),
    ];
    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      summary: route.summary,
      ...(parameters.length ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${route.body}` } } } } } : {}),
      responses: {
        [String(route.status ?? 200)]: { description: 'OK' },
        '400': { description: 'Invalid input; `error.fields` names each offending field' },
        '404': { description: 'Not found' },
      },
    };
  }
  const schemas = Object.fromEntries(Object.entries(SCHEMAS).map(([name, schema]) => [name, z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })]));
  return { openapi: '3.1.0', info: { title: 'Kiln API', version: '0.1.0' }, paths, components: { schemas } };
}
