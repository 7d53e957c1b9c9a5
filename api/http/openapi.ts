import { buildApiApp } from './api-server.js';
import type { Route } from './routes.js';

/** The document `/openapi.json` serves for `routes`, without listening. */
export async function openApiDocument(routes: Route[]) {
  const app = await buildApiApp(routes, '127.0.0.1');
  await app.ready();
  const doc = app.swagger();
  await app.close();
  return doc;
}
