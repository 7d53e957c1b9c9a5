import { z } from 'zod';
import { ResourceName } from '../../core/specs/index.js';
import type { CatalogDetailsService } from '../catalog-details-service.js';
import { can, datasetIn, environmentIn } from './route-finders.js';
import { route, type Route } from './route.js';

const NameParams = z.object({ name: ResourceName }).strict();

/** Environments' build logs and datasets' versions, for the console and `kiln dataset versions`. */
export function catalogRoutes(details: CatalogDetailsService): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/environments/{name}/build-log',
      params: NameParams,
      summary: "The stored log of the newest build attempt of the environment's current spec (its last 256 KiB when longer), with the build's state",
      access: can('environments:read', environmentIn),
      handle: ({ params }) => details.buildLog(params.name),
    }),
    route({
      method: 'GET',
      path: '/v1/datasets/{name}/versions',
      params: NameParams,
      summary: "A dataset's stored versions, newest first: content digest, split, rows",
      access: can('datasets:read', datasetIn),
      handle: ({ params }) => details.datasetVersions(params.name),
    }),
  ];
}
