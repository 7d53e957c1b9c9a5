import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../../api/http/api-server.js';
import { kilnRoutes, type Route } from '../../api/http/routes.js';
import type { KilnService } from '../../api/kiln-service.js';
import { PERMISSIONS, type Permission } from '../../core/access/permissions.js';
import { startTestSecurity } from '../support/test-security.js';

// Handlers answer from a stand-in service; what is under test is the gate in front of them.
const reached: string[] = [];
const service: KilnService = new Proxy({} as KilnService, {
  get: (_target, name) => {
    if (name === 'access') return security.access;
    return ['models', 'schedules', 'experiments', 'feedback', 'datasets', 'rollouts', 'monitoring', 'runDetails', 'catalog', 'workspaces'].includes(
      String(name),
    )
      ? service
      : async () => (reached.push(String(name)), []);
  },
});

let security: Awaited<ReturnType<typeof startTestSecurity>>;
let server: Awaited<ReturnType<typeof startApiServer>>;
const routes: Route[] = [];
/** A token per permission: one for a principal holding only it, one for a principal holding all but it. */
const only = new Map<Permission, string>();
const allBut = new Map<Permission, string>();

beforeAll(async () => {
  security = await startTestSecurity();
  routes.push(...kilnRoutes(service));
  server = await startApiServer(routes, '127.0.0.1', 0, { security: security.access });
  const { access, metadata } = security;
  for (const permission of PERMISSIONS) {
    for (const [prefix, permissions, tokens] of [
      ['only', [permission], only],
      ['all-but', PERMISSIONS.filter((p) => p !== permission), allBut],
    ] as const) {
      const name = `${prefix}-${permission.replace(':', '-')}`;
      await metadata.access.putRole({ name, permissions: [...permissions] }, 'test');
      await metadata.access.addPrincipal({ kind: 'service-account', name }, 'test');
      await metadata.access.addBinding({ principal: { kind: 'service-account', name }, role: name, scope: null }, 'test');
      const token = await mintToken(access, name);
      tokens.set(permission, token);
    }
  }
});
afterAll(async () => {
  await server?.close();
  await security?.close();
});

async function mintToken(access: (typeof security)['access'], name: string, kind: 'user' | 'service-account' = 'service-account'): Promise<string> {
  const admin = await access.authenticate(`Bearer ${security.adminToken}`);
  const created = await access.createToken({ name: 't', owner: `${kind}:${name}` }, { principal: admin, grant: await access.grantOf(admin) });
  return created.token;
}

/** A concrete request for a route: path parameters filled in, a body where it takes one. */
function requestFor(route: Route): { method: string; path: string; body?: string } {
  const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => `some-${name}`);
  const body = route.body || route.serviceBody ? '{}' : route.method === 'POST' ? undefined : undefined;
  return { method: route.method, path, ...(body === undefined ? {} : { body }) };
}

async function call(route: Route, token: string | undefined): Promise<number> {
  const { method, path, body } = requestFor(route);
  const headers: Record<string, string> = {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  };
  const response = await fetch(`${server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  await response.arrayBuffer();
  return response.status;
}

const gated = () => routes.filter((r): r is Route & { access: { permission: Permission } } => typeof r.access === 'object');

describe('every route declares its permission', () => {
  it('each route is public (health only), any-token, or names a permission', () => {
    const publicRoutes = routes.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.path}`);
    expect(publicRoutes).toEqual(['GET /v1/health']);
    for (const route of gated()) expect(PERMISSIONS).toContain(route.access.permission);
    expect(gated().length).toBeGreaterThan(40);
  });
});

describe('the route table, each route with and without its permission', () => {
  it('with no token, every route but liveness is a 401', async () => {
    for (const route of routes.filter((r) => r.access !== 'public'))
      expect([`${route.method} ${route.path}`, await call(route, undefined)]).toEqual([`${route.method} ${route.path}`, 401]);
  });

  it('a caller holding every other permission is refused (403) and the service is never reached', async () => {
    const leaks: string[] = [];
    for (const route of gated()) {
      reached.length = 0;
      const status = await call(route, allBut.get(route.access.permission));
      if (status !== 403 || reached.length)
        leaks.push(`${route.method} ${route.path} without ${route.access.permission}: ${status}, reached ${reached.join(',') || 'nothing'}`);
    }
    expect(leaks).toEqual([]);
  });

  it('a caller holding only that permission gets past the gate (no 401/403, no 5xx)', async () => {
    const refused: string[] = [];
    for (const route of gated()) {
      const status = await call(route, only.get(route.access.permission));
      if (status === 401 || status === 403 || status >= 500) refused.push(`${route.method} ${route.path} with ${route.access.permission}: ${status}`);
    }
    expect(refused).toEqual([]);
  });

  it('routes any token may use answer a token with no bindings at all', async () => {
    const name = 'no-bindings';
    await security.metadata.access.addPrincipal({ kind: 'user', name }, 'test');
    const token = await mintToken(security.access, name, 'user');
    const me = await fetch(`${server.url}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { principal: string; bindings: unknown[] }).bindings).toEqual([]);
    const denied = await fetch(`${server.url}/v1/projects`, { headers: { authorization: `Bearer ${token}` } });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: { message: string } }).error.message).toContain('projects:read');
  });
});

describe('the audit log', () => {
  it('has an entry for every mutating route, with who, what, result and request id', async () => {
    const events = await security.metadata.audit.list({ limit: 10_000 });
    const mutating = routes.filter((r) => r.method !== 'GET');
    const missing = mutating.filter((r) => !events.some((e) => e.method === r.method && e.route === r.path.replace(/\{(\w+)\}/g, ':$1')));
    expect(missing.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    const denied = events.find((e) => e.outcome === 'denied' && e.principal.startsWith('service-account:all-but-'));
    expect(denied).toMatchObject({ status: 403, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(events.some((e) => e.principal === 'anonymous' && e.status === 401)).toBe(true);
    expect(events.some((e) => e.outcome === 'ok' && e.principal.startsWith('service-account:only-'))).toBe(true);
  });

  it('is read through GET /v1/audit with audit:read, newest first', async () => {
    const response = await fetch(`${server.url}/v1/audit?limit=5&outcome=denied`, { headers: { authorization: `Bearer ${only.get('audit:read')}` } });
    const events = (await response.json()) as { seq: number; outcome: string }[];
    expect(response.status).toBe(200);
    expect(events).toHaveLength(5);
    expect(events.every((e) => e.outcome === 'denied')).toBe(true);
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => b - a));
  });
});
