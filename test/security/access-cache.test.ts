import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApiServer } from '../../api/http/api-server.js';
import { kilnRoutes } from '../../api/http/routes.js';
import type { KilnService } from '../../api/kiln-service.js';
import { generateApiToken } from '../../core/access/api-token.js';
import { Authenticator } from '../../core/access/authenticator.js';
import { UnauthenticatedError } from '../../core/errors.js';
import { openMetadataStore } from '../../core/metadata/metadata-store.js';
import { ProjectSpec } from '../../core/specs/project.js';
import { readSpecFile } from '../../api/cli/apply-file.js';
import { startTestSecurity } from '../support/test-security.js';

// Handlers answer from a stand-in service; what is under test is the gate in front of them.
const service: KilnService = new Proxy({} as KilnService, {
  get: (_target, name) => {
    if (name === 'access') return security.access;
    if (name === 'predictJson')
      return async (model: string, body: string) => {
        forwarded.push(body);
        return JSON.stringify({ model, version: 1, predictions: [1] });
      };
    return ['models', 'schedules', 'experiments', 'feedback', 'datasets', 'rollouts', 'monitoring'].includes(String(name)) ? service : async () => [];
  },
});

/** Each body the predict route handed on. */
const forwarded: string[] = [];
let security: Awaited<ReturnType<typeof startTestSecurity>>;
let api: Awaited<ReturnType<typeof startApiServer>>;
let names = 0;
const AUDIT_WINDOW_MS = 100;

beforeAll(async () => {
  security = await startTestSecurity();
  api = await startApiServer(kilnRoutes(service), '127.0.0.1', 0, { security: security.access, auditWindowMs: AUDIT_WINDOW_MS });
});
afterAll(async () => {
  await api?.close();
  await security?.close();
});

const admin = () => ({ authorization: `Bearer ${security.adminToken}`, 'content-type': 'application/json' });

/** A predict request with this JSON text as its body. */
function sendPredict(model: string, token: string, body: string): Promise<Response> {
  return fetch(`${api.url}/v1/models/${model}/predict`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
}

async function predict(model: string, token: string, body: unknown = { instances: [[1, 2]] }): Promise<number> {
  const response = await sendPredict(model, token, JSON.stringify(body));
  await response.arrayBuffer();
  return response.status;
}

/** A new service account bound to `role` (optionally scoped), with a token: both made through the API, as an operator would. */
async function caller(role: string, scope?: Record<string, string[]>): Promise<{ name: string; token: string; tokenId: string; bindingId: string }> {
  const name = `sa-${++names}`;
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${api.url}${path}`, { method: 'POST', headers: admin(), body: JSON.stringify(body) });
    expect(response.status, path).toBeLessThan(300);
    return (await response.json()) as Record<string, string>;
  };
  await post('/v1/service-accounts', { name });
  const binding = await post('/v1/bindings', { principal: `service-account:${name}`, role, ...(scope ? { scope } : {}) });
  const token = await post('/v1/tokens', { name: 't', owner: `service-account:${name}`, expires_in: '1h' });
  return { name, token: token.token!, tokenId: token.id!, bindingId: binding.id! };
}

const del = (path: string) => fetch(`${api.url}${path}`, { method: 'DELETE', headers: { authorization: admin().authorization } });

describe('cached authentication and grants follow changes at once', () => {
  it('a revoked token is refused on the very next request', async () => {
    const { token, tokenId } = await caller('trainer');
    expect(await predict('fraud', token)).toBe(200);
    expect(await predict('fraud', token)).toBe(200);
    expect((await del(`/v1/tokens/${tokenId}`)).status).toBe(200);
    expect(await predict('fraud', token)).toBe(401);
  });

  it('a removed binding denies the very next request', async () => {
    const { token, bindingId } = await caller('trainer');
    expect(await predict('fraud', token)).toBe(200);
    expect((await del(`/v1/bindings/${bindingId}`)).status).toBe(200);
    expect(await predict('fraud', token)).toBe(403);
  });

  it('a disabled service account is refused on the very next request', async () => {
    const { name, token } = await caller('trainer');
    expect(await predict('fraud', token)).toBe(200);
    expect((await del(`/v1/service-accounts/${name}`)).status).toBe(200);
    expect(await predict('fraud', token)).toBe(401);
  });

  it('a role that loses a permission denies it on the very next request, also when changed in the store directly', async () => {
    await security.metadata.access.putRole({ name: 'predictor', permissions: ['models:predict'] }, 'test');
    const { token } = await caller('predictor');
    expect(await predict('fraud', token)).toBe(200);
    await security.metadata.access.putRole({ name: 'predictor', permissions: ['models:read'] }, 'test');
    expect(await predict('fraud', token)).toBe(403);
  });

  it('a revocation in the store (not through the API) is refused on the very next request too', async () => {
    const { token, tokenId } = await caller('trainer');
    expect(await predict('fraud', token)).toBe(200);
    await security.metadata.tokens.revoke(tokenId);
    expect(await predict('fraud', token)).toBe(401);
  });

  it('a cached grant never covers another resource or another permission', async () => {
    await security.metadata.access.putRole({ name: 'predict-only', permissions: ['models:predict'] }, 'test');
    const { token } = await caller('predict-only', { models: ['fraud-*'] });
    expect(await predict('fraud-a', token)).toBe(200);
    expect(await predict('churn', token)).toBe(403);
    expect(await predict('fraud-b', token)).toBe(200);
    const read = await fetch(`${api.url}/v1/models/fraud-a`, { headers: { authorization: `Bearer ${token}` } });
    expect(read.status).toBe(403);
    expect(await predict('churn', token)).toBe(403);
  });

  it("a model that leaves a scoped caller's project is refused on the very next request", async () => {
    const example = readSpecFile(join(import.meta.dirname, '../../examples/breast-cancer/kiln.json')).project!;
    const register = (modelName: string) => security.metadata.projects.upsert(ProjectSpec.parse({ ...example, name: 'fraud', model_name: modelName }));
    await register('fraud-model');
    const { token } = await caller('trainer', { projects: ['fraud'] });
    expect(await predict('fraud-model', token)).toBe(200);
    expect(await predict('fraud-model', token)).toBe(200);
    await register('another-model');
    expect(await predict('fraud-model', token)).toBe(403);
    expect(await predict('another-model', token)).toBe(200);
  });

  it('a wrong secret for a cached token id is refused', async () => {
    const { token } = await caller('trainer');
    expect(await predict('fraud', token)).toBe(200);
    const forged = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect(await predict('fraud', forged)).toBe(401);
  });
});

describe('the predict route', () => {
  it('hands on the body exactly as sent once it is checked, and answers the text it gets back', async () => {
    const { token } = await caller('trainer');
    const body = '{"instances": [[1.50, 2e3], {"a": -0.0}]}';
    forwarded.length = 0;
    const response = await sendPredict('fraud', token, body);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"model":"fraud","version":1,"predictions":[1]}');
    expect(forwarded).toEqual([body]);
  });

  it.each([
    ['no instances', '{"instances": []}', 'instances'],
    ['a string for a number', '{"instances": [["1"]]}', 'instances[0][0]'],
    ['an unknown field', '{"instances": [[1]], "extra": 1}', 'extra'],
  ])('refuses %s with a 400 naming the field, handing nothing on', async (_label, body, field) => {
    const { token } = await caller('trainer');
    forwarded.length = 0;
    const response = await sendPredict('fraud', token, body);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { fields: { path: string; message: string }[] } };
    expect(error.fields.map((f) => `${f.path} ${f.message}`)).toContainEqual(expect.stringContaining(field));
    expect(forwarded).toEqual([]);
  });
});

describe('changes made by another process', () => {
  it('are seen within the cache TTL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-access-cache-'));
    const path = join(dir, 'kiln.sqlite');
    const api = await openMetadataStore({ sqlitePath: path });
    const other = await openMetadataStore({ sqlitePath: path });
    try {
      const authenticator = new Authenticator(api, undefined, Date.now, { ttlMs: 200 });
      await api.access.addPrincipal({ kind: 'service-account', name: 'ci' }, 'test');
      const token = generateApiToken();
      const owner = { kind: 'service-account' as const, name: 'ci' };
      await api.tokens.add({ id: token.id, secretSha256: token.secretSha256, principal: owner, name: 't', createdBy: 'test', expiresAt: null });
      await api.access.addBinding({ principal: owner, role: 'trainer', scope: null }, 'test');
      const principal = await authenticator.authenticate(`Bearer ${token.token}`);
      expect((await authenticator.grantOf(principal)).holdsEverywhere('models:predict')).toBe(true);
      await other.tokens.revoke(token.id);
      for (const binding of await other.access.listBindings(owner)) await other.access.deleteBinding(binding.id);
      await vi.waitFor(
        async () => {
          await expect(authenticator.authenticate(`Bearer ${token.token}`)).rejects.toThrow(UnauthenticatedError);
          expect((await authenticator.grantOf(principal)).holdsAnywhere('models:predict')).toBe(false);
        },
        { timeout: 2_000, interval: 50 },
      );
    } finally {
      await other.close();
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('auditing predictions', () => {
  it('counts successful predictions into one entry per caller, model and window', async () => {
    const { name, token } = await caller('trainer');
    for (let i = 0; i < 3; i++) expect(await predict('fraud', token)).toBe(200);
    const principal = `service-account:${name}`;
    // The calls may fall into one window or two: the entries add up to them.
    await vi.waitFor(async () => {
      const events = await security.metadata.audit.list({ principal, limit: 100 });
      expect(events.every((e) => e.route === '/v1/models/:name/predict' && e.outcome === 'ok' && e.resource === 'model:fraud')).toBe(true);
      expect(events.every((e) => e.permission === 'models:predict' && /^\d+ calls? from \S+ to \S+ \(counted\)$/.test(e.message ?? ''))).toBe(true);
      expect(events.reduce((n, e) => n + Number.parseInt(e.message!, 10), 0)).toBe(3);
    });
  });

  it('writes each refused or invalid prediction as its own entry, at once', async () => {
    const { name, token } = await caller('viewer');
    const trainer = await caller('trainer');
    expect(await predict('fraud', token)).toBe(403);
    const invalid = await sendPredict('fraud', trainer.token, JSON.stringify({ instances: 'nope' }));
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(await invalid.json())).toContain('instances');
    expect(await predict('fraud', 'kiln_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toBe(401);
    const events = await security.metadata.audit.list({ limit: 100 });
    const onPredict = events.filter((e) => e.route === '/v1/models/:name/predict');
    expect(onPredict).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ principal: `service-account:${name}`, outcome: 'denied', status: 403, message: expect.stringContaining('models:predict') }),
        expect.objectContaining({ principal: `service-account:${trainer.name}`, outcome: 'invalid', status: 400 }),
        expect.objectContaining({ principal: 'anonymous', outcome: 'denied', status: 401 }),
      ]),
    );
  });

  it('writes the counts still held when the server closes', async () => {
    const local = await startApiServer(kilnRoutes(service), '127.0.0.1', 0, { security: security.access });
    const { name, token } = await caller('trainer');
    const response = await fetch(`${local.url}/v1/models/fraud/predict`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [[1]] }),
    });
    expect(response.status).toBe(200);
    await local.close();
    const events = await security.metadata.audit.list({ principal: `service-account:${name}`, limit: 10 });
    expect(events).toEqual([expect.objectContaining({ outcome: 'ok', message: expect.stringMatching(/^1 call from /) })]);
  });
});
