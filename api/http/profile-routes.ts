import { z } from 'zod';
import { ResourceName } from '../../core/specs/index.js';
import type { DatasetsService } from '../datasets-service.js';
import { ProfileQuery, wholeNumber } from './request-schemas.js';
import { can, datasetIn, modelIn } from './route-finders.js';
import { route, type Route } from './route.js';

const DatasetParams = z.object({ name: ResourceName }).strict();
const ModelVersionParams = z.object({ name: ResourceName, version: wholeNumber(1, 999_999_999) }).strict();

/** Feature profiles of dataset versions: the reference that drift in live inputs is measured against. */
export function profileRoutes(datasets: DatasetsService): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/datasets/{name}/profile',
      params: DatasetParams,
      query: ProfileQuery,
      summary: "Feature profile of a dataset version's train split (?version=, default the newest)",
      access: can('datasets:read', datasetIn),
      handle: ({ params, query }) => datasets.profile(params.name, query.version),
    }),
    route({
      method: 'GET',
      path: '/v1/models/{name}/versions/{version}/profile',
      params: ModelVersionParams,
      summary: 'Feature profile of the dataset version a model version was trained on',
      // The profile holds a sample of the training rows: reading it is reading the dataset, for the model's resources.
      access: can('datasets:read', modelIn),
      handle: ({ params }) => datasets.modelVersionProfile(params.name, params.version),
    }),
  ];
}
