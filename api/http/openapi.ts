import { UnauthenticatedError } from '../../core/errors.js';
import { buildApiApp } from './api-server.js';
import type { ApiSecurity } from './route-access.js';
import type { Route } from './routes.js';

/** Building the document answers no request: any that came would be refused. */
const refuseAll: ApiSecurity = {
  authenticate: async () => {
    throw new UnauthenticatedError('document only');
  },
  grantOf: async () => {
    throw new UnauthenticatedError('document only');
  },
  directory: () => {
    throw new UnauthenticatedError('document only');
  },
  record: async () => {},
  claim: async () => {},
};

/** The document `/openapi.json` serves for `routes`, without listening. */
export async function openApiDocument(routes: Route[]) {
  const app = await buildApiApp(routes, '127.0.0.1', { security: refuseAll });
  await app.ready();
  const doc = app.swagger();
  await app.close();
  return doc;
}
