import { z } from 'zod';
import { ResourceName } from '../../core/specs/index.js';
import { RolloutRequest } from '../../core/specs/rollout.js';
import type { RolloutsService } from '../rollouts-service.js';
import { can, modelIn, withActor } from './route-finders.js';
import { route, type Route } from './route.js';

const ModelParams = z.object({ name: ResourceName }).strict();

/** Progressive delivery: a challenger beside the champion (shadow, canary), promoted or rolled back by a workflow. */
export function rolloutRoutes(rollouts: RolloutsService): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/models/{name}/rollouts',
      params: ModelParams,
      summary: 'Roll a version out beside the serving one (replace, shadow or canary); promoted or rolled back automatically (409 while one runs)',
      access: can('models:promote', modelIn),
      serviceBody: RolloutRequest,
      status: 202,
      handle: ({ params, body, caller }) => rollouts.start(params.name!, withActor(body, caller)),
    }),
    route({
      method: 'GET',
      path: '/v1/models/{name}/rollouts/current',
      params: ModelParams,
      summary: "The model's running (else latest) rollout: weights, status, the challenger's live error rate, p95 and agreement",
      access: can('models:read', modelIn),
      handle: ({ params }) => rollouts.current(params.name!),
    }),
  ];
}
