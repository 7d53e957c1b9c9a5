import { z } from 'zod';
import { ResourceName } from '../../core/specs/index.js';
import type { MonitoringService } from '../monitoring-service.js';
import { MonitoringQuery } from './request-schemas.js';
import { can, modelIn } from './route-finders.js';
import { route, type Route } from './route.js';

const ModelParams = z.object({ name: ResourceName }).strict();

/** Model monitoring (issue 13): the reports of the monitor schedule, read with the model's read permission. */
export function monitoringRoutes(service: MonitoringService): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/models/{name}/monitoring',
      params: ModelParams,
      query: MonitoringQuery,
      summary: "A model's monitoring reports, newest first: drift per feature and of the predictions, live quality beside the test metrics",
      access: can('models:read', modelIn),
      handle: ({ params, query }) => service.reports(params.name!, query.limit),
    }),
  ];
}
