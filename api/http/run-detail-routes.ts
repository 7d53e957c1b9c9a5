import { z } from 'zod';
import { STAGES } from '../../core/pipeline/stage-names.js';
import type { RunDetailsService } from '../run-details-service.js';
import { IdParams, wholeNumber } from './request-schemas.js';
import { can, runIn } from './route-finders.js';
import { route, type Route } from './route.js';

/** `GET /v1/runs/{id}/logs`: which stage, and which attempt (default: its last). */
export const RunLogQuery = z.object({ stage: z.enum(STAGES), attempt: wholeNumber(1, 1000).optional() }).strict();

/** What the console draws of a run besides its progress: metric series and stage logs. */
export function runDetailRoutes(details: RunDetailsService): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/runs/{id}/metrics',
      params: IdParams,
      summary: 'Every metric point the run logged: stage, name, step, epoch, value',
      access: can('runs:read', runIn),
      handle: ({ params }) => details.metrics(params.id),
    }),
    route({
      method: 'GET',
      path: '/v1/runs/{id}/logs',
      params: IdParams,
      query: RunLogQuery,
      summary: "A stage attempt's stored log (?stage=, ?attempt= default the last); its last 256 KiB when longer",
      access: can('runs:read', runIn),
      handle: ({ params, query }) => details.log(params.id, query.stage, query.attempt),
    }),
  ];
}
