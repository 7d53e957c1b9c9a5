import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startApiServer } from '../../../api/http/api-server.js';
import type { Route } from '../../../api/http/routes.js';
import { NotFoundError, SpecValidationError } from '../../../core/errors.js';
import { startTestSecurity } from '../../support/test-security.js';

type Ctx = Parameters<Route['handle']>[0];

/** A small route table whose handlers echo what the server handed them. */
const routes: Route[] = [
  { method: 'GET', path: '/v1/health', summary: 'health', access: 'public', handle: async () => ({ status: 'ok' }) },
  {
    method: 'POST',
    path: '/v1/things',
    summary: 'create',
    access: 'authenticated',
    status: 201,
    body: z.looseObject({}),
    handle: async ({ body }: Ctx) => ({ received: body }),
  },
  { method: 'GET', path: '/v1/things/{id}/parts/{part}', summary: 'get part', access: 'authenticated', handle: async ({ params }: Ctx) => ({ params }) },
  {
    method: 'GET',
    path: '/v1/search',
    summary: 'search',
    access: 'authenticated',
    query: z.object({ q: z.string(), limit: z.string() }).strict(),
    handle: async ({ query }: Ctx) => ({ q: query.q, limit: query.limit }),
  },
  {
    method: 'POST',
    path: '/v1/keyed',
    summary: 'keyed',
    access: 'authenticated',
    headers: z.looseObject({ 'idempotency-key': z.string().optional() }),
    handle: async ({ headers }: Ctx) => ({ key: headers['idempotency-key'] ?? null }),
  },
  {
    method: 'POST',
    path: '/v1/invalid',
    summary: 'always invalid',
    access: 'authenticated',
    handle: async () => {
      throw new SpecValidationError([{ path: 'thing.size', message: 'expected number, got "big"' }]);
    },
  },
  {
    method: 'GET',
    path: '/v1/missing/{id}',
    summary: 'always missing',
    access: 'authenticated',
    handle: async ({ params }: Ctx) => {
      throw new NotFoundError('thing', params.id!);
    },
  },
];

let server: Awaited<ReturnType<typeof startApiServer>>;
let security: Awaited<ReturnType<typeof startTestSecurity>>;
beforeAll(async () => {
  security = await startTestSecurity();
  server = await startApiServer(routes, '127.0.0.1', 0, { security: security.access });
});
afterAll(async () => {
  await server.close();
  await security.close();
});

async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const auth = { authorization: `Bearer ${security.adminToken}`, ...headers };
  const response = await fetch(`${server.url}${path}`, { method, body, headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' } });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    json: (await response.json()) as { error?: unknown } & Record<string, unknown>,
  };
}

describe('startApiServer', () => {
  it('listens on the port the OS picked and reports it in its url', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toMatch(/:0$/);
  });
});

describe('startApiServer routing', () => {
  it('answers a matching route with its JSON result and 200', async () => {
    expect(await call('GET', '/v1/health')).toEqual({ status: 200, contentType: expect.stringMatching(/^application\/json/), json: { status: 'ok' } });
  });

  it("uses the route's own success status", async () => {
    expect((await call('POST', '/v1/things', '{"a":1}')).status).toBe(201);
  });

  it.each([
    ['an unknown path', 'GET', '/v1/nothing-here'],
    ['a known path with another method', 'DELETE', '/v1/health'],
    ['a known path with a trailing segment', 'GET', '/v1/health/extra'],
  ])('answers %s with a 404 JSON error naming the request', async (_label, method, path) => {
    const { status, contentType, json } = await call(method, path);
    expect(status).toBe(404);
    expect(contentType).toMatch(/^application\/json/);
    expect(json).toEqual({ error: { type: 'NotFound', message: `no route ${method} ${path}` } });
  });

  it('passes the request headers to the handler, names in lower case', async () => {
    expect((await call('POST', '/v1/keyed', '{}', { 'Idempotency-Key': 'order-42' })).json).toEqual({ key: 'order-42' });
    expect((await call('POST', '/v1/keyed', '{}')).json).toEqual({ key: null });
  });

  it('passes the query string to the handler', async () => {
    expect((await call('GET', '/v1/search?q=iris&limit=5')).json).toEqual({ q: 'iris', limit: '5' });
  });
});

describe('startApiServer path parameters', () => {
  it.each([
    ['plain values', '/v1/things/iris-1/parts/head', { id: 'iris-1', part: 'head' }],
    ['percent-encoded spaces', '/v1/things/a%20b/parts/c', { id: 'a b', part: 'c' }],
    ['an encoded slash, kept inside one parameter', '/v1/things/a%2Fb/parts/c', { id: 'a/b', part: 'c' }],
    ['non-ASCII text', `/v1/things/${encodeURIComponent('modèle')}/parts/x`, { id: 'modèle', part: 'x' }],
  ])('decodes %s', async (_label, path, params) => {
    expect((await call('GET', path)).json).toEqual({ params });
  });
});

describe('startApiServer request bodies', () => {
  it('hands the parsed JSON body to the handler', async () => {
    expect((await call('POST', '/v1/things', '{"name":"x","n":[1,2]}')).json).toEqual({ received: { name: 'x', n: [1, 2] } });
  });

  it('treats an empty body as an empty object', async () => {
    expect((await call('POST', '/v1/things')).json).toEqual({ received: {} });
  });

  it('refuses a body over 1 MiB with 413 naming body', async () => {
    const { status, json } = await call('POST', '/v1/things', JSON.stringify({ pad: 'x'.repeat(1 << 20) }));
    expect(status).toBe(413);
    expect(json.error).toMatchObject({ fields: [{ path: 'body', message: 'larger than 1048576 bytes' }] });
  });

  it.each(['{"name":', 'not json', "{'single': 'quotes'}"])('answers a body that is not JSON (%j) with 400 naming body', async (body) => {
    const { status, json } = await call('POST', '/v1/things', body);
    expect(status).toBe(400);
    expect(json.error).toEqual({ type: 'SpecValidationError', message: 'body: not valid JSON', fields: [{ path: 'body', message: 'not valid JSON' }] });
  });
});

describe('startApiServer errors from handlers', () => {
  it('answers a SpecValidationError with 400 and the offending fields', async () => {
    const { status, json } = await call('POST', '/v1/invalid', '{}');
    expect(status).toBe(400);
    expect(json).toEqual({
      error: {
        type: 'SpecValidationError',
        message: 'thing.size: expected number, got "big"',
        fields: [{ path: 'thing.size', message: 'expected number, got "big"' }],
      },
    });
  });

  it('answers a NotFoundError with 404 naming the resource', async () => {
    expect(await call('GET', '/v1/missing/abc')).toMatchObject({ status: 404, json: { error: { type: 'NotFoundError', message: 'thing "abc" not found' } } });
  });
});
