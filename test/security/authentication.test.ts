import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../../api/http/api-server.js';
import { kilnRoutes } from '../../api/http/routes.js';
import type { KilnService } from '../../api/kiln-service.js';
import { startTestSecurity } from '../support/test-security.js';

const service: KilnService = new Proxy({} as KilnService, {
  get: (_target, name) => (name === 'access' ? security.access : ['models', 'schedules', 'experiments'].includes(String(name)) ? service : async () => []),
});

const ISSUER = 'https://idp.test.example';
const AUDIENCE = 'kiln';
let now = Date.now();
let security: Awaited<ReturnType<typeof startTestSecurity>>;
let api: Awaited<ReturnType<typeof startApiServer>>;
let jwksServer: Server;
type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let signingKey: SigningKey;
let strangerKey: SigningKey;

beforeAll(async () => {
  // The identity provider's published keys, served locally as an issuer would.
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  strangerKey = (await generateKeyPair('RS256')).privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  security = await startTestSecurity({ oidc: { issuer: ISSUER, audience: AUDIENCE, jwksUrl, userClaim: 'email', teamClaim: 'team' }, now: () => now });
  api = await startApiServer(kilnRoutes(service), '127.0.0.1', 0, { security: security.access });
});
afterAll(async () => {
  await api?.close();
  await security?.close();
  await new Promise((resolve) => jwksServer?.close(resolve));
});

async function get(
  path: string,
  authorization?: string,
): Promise<{ status: number; body: { error?: { type: string; message: string } } & Record<string, unknown> }> {
  const response = await fetch(`${api.url}${path}`, { headers: authorization === undefined ? {} : { authorization } });
  return { status: response.status, body: (await response.json()) as never };
}

async function jwt(
  claims: Record<string, unknown>,
  options: { key?: SigningKey; issuer?: string; audience?: string; expiresIn?: string } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(options.key ?? signingKey);
}

describe('API tokens', () => {
  it('the admin token kiln up writes authenticates as the admin user', async () => {
    const me = await get('/v1/whoami', `Bearer ${security.adminToken}`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ principal: 'user:admin', bindings: [{ role: 'admin', scope: null }] });
  });

  it.each([
    ['no Authorization header', undefined],
    ['a scheme other than Bearer', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['an empty bearer', 'Bearer '],
    ['a made-up Kiln token', 'Bearer kiln_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['the admin token with one character changed', () => `Bearer ${security.adminToken.slice(0, -1)}${security.adminToken.endsWith('A') ? 'B' : 'A'}`],
  ])('401 for %s, in the error shape', async (_label, authorization) => {
    const header = typeof authorization === 'function' ? authorization() : authorization;
    const response = await get('/v1/projects', header);
    expect(response.status).toBe(401);
    expect(response.body.error?.type).toBe('UnauthenticatedError');
  });

  it('a token is shown once, stored only as a hash, and records when it was last used', async () => {
    const admin = `Bearer ${security.adminToken}`;
    const created = await fetch(`${api.url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: admin, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'laptop', expires_in: '1h' }),
    });
    const token = (await created.json()) as { id: string; token: string; expires_at: string };
    expect(created.status).toBe(201);
    expect(Date.parse(token.expires_at) - now).toBeGreaterThan(3_500_000);
    const stored = await security.metadata.tokens.get(token.id);
    expect(stored?.secretSha256).toMatch(/^[0-9a-f]{64}$/);
    // kiln_<id>_<secret>: the secret is base64url, so it may itself hold underscores.
    const secret = token.token.slice(`kiln_${token.id}_`.length);
    expect(secret.length).toBeGreaterThan(20);
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect((await get('/v1/whoami', `Bearer ${token.token}`)).status).toBe(200);
    expect((await security.metadata.tokens.get(token.id))?.lastUsedAt).toBeTypeOf('number');
    const listed = (await get('/v1/tokens', admin)).body as unknown as { id: string; token?: string }[];
    expect(listed.find((t) => t.id === token.id)).toBeDefined();
    expect(listed.every((t) => t.token === undefined)).toBe(true);
  });

  it('401 once a token expired, and once it is revoked', async () => {
    const admin = `Bearer ${security.adminToken}`;
    const mint = async (name: string) => {
      const response = await fetch(`${api.url}/v1/tokens`, {
        method: 'POST',
        headers: { authorization: admin, 'content-type': 'application/json' },
        body: JSON.stringify({ name, expires_in: '1m' }),
      });
      return (await response.json()) as { id: string; token: string };
    };
    const expiring = await mint('short');
    expect((await get('/v1/whoami', `Bearer ${expiring.token}`)).status).toBe(200);
    now += 61_000;
    const expired = await get('/v1/whoami', `Bearer ${expiring.token}`);
    expect(expired.status).toBe(401);
    expect(expired.body.error?.message).toContain('expired');
    const revoking = await mint('revoked');
    expect((await fetch(`${api.url}/v1/tokens/${revoking.id}`, { method: 'DELETE', headers: { authorization: admin } })).status).toBe(200);
    const revoked = await get('/v1/whoami', `Bearer ${revoking.token}`);
    expect(revoked.status).toBe(401);
    expect(revoked.body.error?.message).toContain('revoked');
  });

  it('a disabled user’s tokens stop working', async () => {
    const admin = `Bearer ${security.adminToken}`;
    const post = (path: string, body: unknown) =>
      fetch(`${api.url}${path}`, { method: 'POST', headers: { authorization: admin, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/v1/users', { name: 'mallory' })).status).toBe(201);
    const { token } = (await (await post('/v1/tokens', { name: 'm', owner: 'user:mallory' })).json()) as { token: string };
    expect((await get('/v1/whoami', `Bearer ${token}`)).status).toBe(200);
    expect((await fetch(`${api.url}/v1/users/mallory`, { method: 'DELETE', headers: { authorization: admin } })).status).toBe(200);
    expect((await get('/v1/whoami', `Bearer ${token}`)).status).toBe(401);
  });

  it('token endpoints are rate limited per caller address (429 in the error shape)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await get('/v1/tokens', `Bearer ${security.adminToken}`)).status);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    const limited = await get('/v1/tokens', `Bearer ${security.adminToken}`);
    expect(limited.body.error?.type).toBe('TooManyRequests');
  });
});

describe('OIDC bearer tokens, checked against the issuer’s JWKS', () => {
  it('a valid token names the user by the configured claim, with its team', async () => {
    const me = await get('/v1/whoami', `Bearer ${await jwt({ sub: 'abc123', email: 'alice@example.com', team: 'risk' })}`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ principal: 'user:alice@example.com', team: 'risk', authenticated_by: 'oidc', bindings: [] });
  });

  it('an OIDC user has only what bindings give it', async () => {
    const token = await jwt({ email: 'bob@example.com' });
    expect((await get('/v1/projects', `Bearer ${token}`)).status).toBe(403);
    await security.metadata.access.addPrincipal({ kind: 'user', name: 'bob@example.com' }, 'test');
    await security.metadata.access.addBinding({ principal: { kind: 'user', name: 'bob@example.com' }, role: 'viewer', scope: null }, 'test');
    expect((await get('/v1/projects', `Bearer ${token}`)).status).toBe(200);
  });

  it.each([
    ['signed by another key', () => jwt({ email: 'eve@example.com' }, { key: strangerKey })],
    ['for another audience', () => jwt({ email: 'eve@example.com' }, { audience: 'someone-else' })],
    ['from another issuer', () => jwt({ email: 'eve@example.com' }, { issuer: 'https://evil.example' })],
    ['expired', () => jwt({ email: 'eve@example.com', exp: Math.floor(Date.now() / 1000) - 3600 }, { expiresIn: '-1h' })],
    ['without the user claim', () => jwt({ sub: 'no-email' })],
    ['not a JWT at all', async () => 'not.a.jwt'],
  ])('401 for a token %s', async (_label, make) => {
    const response = await get('/v1/whoami', `Bearer ${await make()}`);
    expect(response.status).toBe(401);
    expect(response.body.error?.type).toBe('UnauthenticatedError');
  });
});
