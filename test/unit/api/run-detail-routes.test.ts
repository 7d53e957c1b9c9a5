import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../../../api/http/api-server.js';
import { runDetailRoutes } from '../../../api/http/run-detail-routes.js';
import type { RunDetailsService } from '../../../api/run-details-service.js';
import { startTestSecurity } from '../../support/test-security.js';

const asked: unknown[][] = [];
const details = {
  metrics: async (runId: string) => (asked.push(['metrics', runId]), { run_id: runId, points: [{ name: 'loss', step: 1, value: 0.5 }] }),
  log: async (...args: unknown[]) => (asked.push(['log', ...args]), { text: 'hello\n' }),
} as unknown as RunDetailsService;

let server: Awaited<ReturnType<typeof startApiServer>>;
let security: Awaited<ReturnType<typeof startTestSecurity>>;
const consoleDir = mkdtempSync(join(tmpdir(), 'kiln-console-'));
beforeAll(async () => {
  mkdirSync(join(consoleDir, 'assets'));
  writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>Kiln</title>');
  writeFileSync(join(consoleDir, 'assets', 'index-abc.js'), 'console.log(1)');
  security = await startTestSecurity();
  server = await startApiServer(runDetailRoutes(details), '127.0.0.1', 0, { security: security.access, consoleDir });
});
afterAll(async () => {
  await server.close();
  await security.close();
  rmSync(consoleDir, { recursive: true, force: true });
});

async function get(path: string, headers: Record<string, string> = { authorization: `Bearer ${security.adminToken}` }) {
  const response = await fetch(`${server.url}${path}`, { headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe('GET /v1/runs/{id}/metrics and /logs', () => {
  it('answer what the run details service returns, for the run named', async () => {
    const metrics = await get('/v1/runs/fraud-1/metrics');
    expect(metrics.status).toBe(200);
    expect(JSON.parse(metrics.text).points).toEqual([{ name: 'loss', step: 1, value: 0.5 }]);
    expect((await get('/v1/runs/fraud-1/logs?stage=train&attempt=2')).status).toBe(200);
    expect(asked).toContainEqual(['log', 'fraud-1', 'train', 2]);
    expect((await get('/v1/runs/fraud-1/logs?stage=evaluate')).status).toBe(200);
    expect(asked).toContainEqual(['log', 'fraud-1', 'evaluate', undefined]);
  });

  it('answer 304 without a body while the answer is unchanged (conditional polling)', async () => {
    const first = await get('/v1/runs/fraud-1/metrics');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    const again = await get('/v1/runs/fraud-1/metrics', { authorization: `Bearer ${security.adminToken}`, 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    const other = await get('/v1/runs/fraud-2/metrics', { authorization: `Bearer ${security.adminToken}`, 'if-none-match': etag });
    expect(other.status).toBe(200);
  });

  it('need a token', async () => {
    expect((await get('/v1/runs/fraud-1/metrics', {})).status).toBe(401);
  });

  it.each([
    ['a run id with a space', '/v1/runs/bad%20id/metrics', 'id'],
    ['an unknown query parameter', '/v1/runs/fraud-1/metrics?step=1', 'step'],
    ['a log without its stage', '/v1/runs/fraud-1/logs', 'stage'],
    ['a step that is not a stage', '/v1/runs/fraud-1/logs?stage=serve', 'stage'],
    ['attempt 0', '/v1/runs/fraud-1/logs?stage=train&attempt=0', 'attempt'],
    ['an attempt that is not a number', '/v1/runs/fraud-1/logs?stage=train&attempt=last', 'attempt'],
  ])('refuse %s with a 400 naming the field', async (_label, path, field) => {
    const answer = await get(path);
    expect(answer.status).toBe(400);
    const { error } = JSON.parse(answer.text) as { error: { fields: { path: string }[] } };
    expect(error.fields.map((f) => f.path).join(' ')).toContain(field);
  });
});

describe('the console at /', () => {
  it('is served without a token, under a content security policy that allows only its own scripts', async () => {
    const page = await get('/', {});
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.text).toContain('<title>Kiln</title>');
  });

  it('serves its hashed assets as immutable, and nothing else', async () => {
    const asset = await get('/assets/index-abc.js', {});
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await get('/assets/missing.js', {})).status).toBe(404);
    expect((await get('/assets/..%2Findex.html', {})).status).toBe(400);
  });

  it('refuses a Host it does not serve (DNS rebinding)', async () => {
    const { port } = new URL(server.url);
    const status = await new Promise<number | undefined>((resolve, reject) =>
      request({ host: '127.0.0.1', port, path: '/', headers: { host: 'evil.example' } }, (res) => (res.resume(), resolve(res.statusCode)))
        .on('error', reject)
        .end(),
    );
    expect(status).toBe(421);
  });
});
