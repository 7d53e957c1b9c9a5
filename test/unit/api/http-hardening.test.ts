import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../../../api/http/api-server.js';
import { kilnRoutes } from '../../../api/http/routes.js';
import type { KilnService } from '../../../api/kiln-service.js';
import { startTestSecurity } from '../../support/test-security.js';

// A fake service that records calls: a refused request must never reach it.
const calls: string[] = [];
const fakeService: KilnService = new Proxy({} as KilnService, {
  get: (_target, name) => (['models', 'schedules', 'experiments'].includes(String(name)) ? fakeService : async () => (calls.push(String(name)), [])),
});

let server: Awaited<ReturnType<typeof startApiServer>>;
let security: Awaited<ReturnType<typeof startTestSecurity>>;
beforeAll(async () => {
  security = await startTestSecurity();
  server = await startApiServer(kilnRoutes(fakeService), '127.0.0.1', 0, { allowedHosts: ['kiln.internal'], security: security.access });
});
afterAll(async () => {
  await server.close();
  await security.close();
});

/** A raw request, so Host and Origin can be set as a browser or an attacker would. */
function send(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; json: { error?: { type: string; message: string; fields?: { path: string; message: string }[] } } }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: {
          authorization: `Bearer ${security.adminToken}`,
          ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const json = { 'content-type': 'application/json' };
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('HTTP hardening: refused requests answer in the error shape, naming the cause, without reaching the service', () => {
  it.each<[string, string, string, Record<string, string>, string | undefined, number, string, string]>([
    ['a body over 1 MiB', 'POST', '/v1/runs', json, JSON.stringify({ pad: 'x'.repeat(1 << 20) }), 413, 'PayloadTooLarge', 'body'],
    ['a text/plain body', 'POST', '/v1/runs', { 'content-type': 'text/plain' }, '{"project":"iris"}', 415, 'UnsupportedMediaType', 'headers.content-type'],
    [
      'a form body',
      'POST',
      '/v1/runs',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'project=iris',
      415,
      'UnsupportedMediaType',
      'headers.content-type',
    ],
    ['an unknown query parameter', 'GET', '/v1/runs?projekt=iris', {}, undefined, 400, 'SpecValidationError', 'projekt'],
    ['a query parameter on a route that takes none', 'GET', '/v1/projects?x=1', {}, undefined, 400, 'SpecValidationError', 'x'],
    ['?limit=abc', 'GET', '/v1/runs?limit=abc', {}, undefined, 400, 'SpecValidationError', 'limit'],
    ['?limit=0', 'GET', '/v1/runs?limit=0', {}, undefined, 400, 'SpecValidationError', 'limit'],
    ['?status=nope', 'GET', '/v1/runs?status=nope', {}, undefined, 400, 'SpecValidationError', 'status'],
    ['?trigger=nope', 'GET', '/v1/runs?trigger=nope', {}, undefined, 400, 'SpecValidationError', 'trigger'],
    ['JSON nested 65 deep', 'POST', '/v1/runs', json, `{"project":"iris","params":${nested(65)}}`, 400, 'SpecValidationError', 'body'],
    ['JSON nested 10 000 deep', 'POST', '/v1/projects', json, nested(10_000), 400, 'SpecValidationError', 'body'],
    ['a foreign Host (DNS rebinding)', 'GET', '/v1/runs', { host: 'evil.example:8580' }, undefined, 421, 'MisdirectedRequest', 'headers.host'],
    [
      'a foreign Origin on POST (CSRF)',
      'POST',
      '/v1/runs',
      { ...json, origin: 'http://evil.example' },
      '{"project":"iris"}',
      403,
      'ForbiddenOrigin',
      'headers.origin',
    ],
    ['a foreign Origin on DELETE', 'DELETE', '/v1/schedules/nightly', { origin: 'http://evil.example' }, undefined, 403, 'ForbiddenOrigin', 'headers.origin'],
    ['Origin null on POST', 'POST', '/v1/runs/r1/cancel', { origin: 'null' }, undefined, 403, 'ForbiddenOrigin', 'headers.origin'],
  ])('refuses %s', async (_label, method, path, headers, body, status, type, field) => {
    calls.length = 0;
    const response = await send(method, path, headers, body);
    expect(response.status).toBe(status);
    expect(response.json.error).toMatchObject({ type, message: expect.any(String), fields: [expect.objectContaining({ path: field })] });
    expect(calls).toEqual([]);
  });

  it('names the bad value of a filter', async () => {
    expect((await send('GET', '/v1/runs?limit=abc')).json.error?.fields).toEqual([{ path: 'limit', message: 'expected a whole number (got "abc")' }]);
  });
});

describe('HTTP hardening: what is still accepted', () => {
  it.each([
    ['a loopback Host with a port', { host: 'localhost:8580' }],
    ['an IPv6 loopback Host', { host: '[::1]:8580' }],
    ['a Host from KILN_API_ALLOWED_HOSTS', { host: 'kiln.internal:8580' }],
    ['a foreign Origin on GET (reads are not forgeable writes)', { origin: 'http://evil.example' }],
  ])('%s', async (_label, headers) => {
    expect((await send('GET', '/v1/runs?limit=5&status=failed', headers)).status).toBe(200);
  });

  it('liveness under any Host (a kubelet probes by pod address), and nothing else under it', async () => {
    expect((await send('GET', '/v1/health', { host: '10.244.0.7:8580' })).status).not.toBe(421);
    expect((await send('GET', '/v1/runs', { host: '10.244.0.7:8580' })).status).toBe(421);
  });

  it('a POST whose Origin is the API itself', async () => {
    const { port } = new URL(server.url);
    expect((await send('POST', '/v1/runs/r1/cancel', { origin: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}` })).status).toBe(202);
  });

  it('JSON nested 64 deep', async () => {
    expect((await send('POST', '/v1/runs', json, `{"project":"iris","params":${nested(63)}}`)).status).toBe(202);
  });

  it('brackets inside strings, after escaped quotes too, are no nesting', async () => {
    const brackets = '['.repeat(100);
    const body = `{"project":"iris","params":{"a":"${brackets}","b":"\\"${brackets}","c":"\\\\"}}`;
    expect(JSON.parse(body).params.b).toBe(`"${brackets}`);
    expect((await send('POST', '/v1/runs', json, body)).status).toBe(202);
  });
});
