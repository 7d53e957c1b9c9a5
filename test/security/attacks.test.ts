import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KilnApiClient } from '../../api/client/kiln-api-client.js';
import { readSpecFile } from '../../api/cli/apply-file.js';
import { INSTALL_DIR } from '../../core/config.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { startTestStack } from '../support/test-stack.js';

/*
 * Each attack from the access-control issue, tried against a running stack the way it was
 * first found: every one is refused with a 4xx, and nothing is created or started.
 */

const fixture = readSpecFile(join(INSTALL_DIR, 'test', 'fixtures', 'sleepy', 'kiln.json'));
let stack: EmbeddedStack;
let admin: KilnApiClient;
let trainerToken: string;

beforeAll(async () => {
  ({ stack, client: admin } = await startTestStack('attacks'));
  await admin.applyEnvironment(fixture.environment!);
  await admin.applyDataset(fixture.dataset!);
  await admin.applyProject(fixture.project!);
  await admin.addPrincipal('user', { name: 'trudy', team: 'red' });
  await admin.addBinding({ principal: 'user:trudy', role: 'trainer', scope: { teams: ['red'] } });
  trainerToken = (await admin.createToken({ name: 'attacker', owner: 'user:trudy' })).token;
});
afterAll(async () => stack?.stop());

interface Answer {
  status: number;
  text: string;
  error?: { type: string; message: string; fields?: { path: string; message: string }[] };
}

/** A raw request, so Host, Origin and Content-Type are exactly what an attacker sends. */
function send(method: string, path: string, options: { token?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const { port } = new URL(stack.apiUrl!);
  const headers = {
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...(options.body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(options.body)) }),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, text, error: (JSON.parse(text) as { error?: Answer['error'] }).error });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

async function snapshot() {
  return {
    environments: (await admin.listEnvironments()).map((e) => `${e.name}:${e.specDigest}`).sort(),
    datasets: (await admin.listDatasets()).map((d) => `${d.name}:${JSON.stringify(d.spec)}`).sort(),
    projects: (await admin.listProjects()).map((p) => `${p.name}:${JSON.stringify(p.spec)}`).sort(),
    workflows: await stack.client.workflow.count(),
  };
}

const body = (value: unknown) => JSON.stringify(value);

describe('the attacks found against a running kiln up are refused, and nothing is created', () => {
  it.each<[string, () => Promise<Answer>, number, string | undefined]>([
    ['no token at all (a web page or a stranger)', () => send('POST', '/v1/runs', { body: body({ project: 'sleepy' }) }), 401, undefined],
    [
      'a trainer installing any package through an environment',
      () => send('POST', '/v1/environments', { token: trainerToken, body: body({ name: 'evil', python_version: '3.11', dependencies: ['evil-package'] }) }),
      403,
      undefined,
    ],
    [
      'a dependency that is a pip option (even for an admin)',
      () =>
        send('POST', '/v1/environments', {
          token: stack.adminToken,
          body: body({ name: 'evil', python_version: '3.11', dependencies: ['--index-url=https://evil.example/simple', 'requests'] }),
        }),
      400,
      'environment.dependencies[0]',
    ],
    [
      'base_image "alpine\\nRUN id"',
      () => send('POST', '/v1/environments', { token: stack.adminToken, body: body({ name: 'evil', python_version: '3.11', base_image: 'alpine\nRUN id' }) }),
      400,
      'environment.base_image',
    ],
    [
      'a dataset at /etc/passwd',
      () => send('POST', '/v1/datasets', { token: stack.adminToken, body: body({ name: 'passwd', path: '/etc/passwd', target_column: 'root' }) }),
      400,
      'dataset.path',
    ],
    [
      'a project whose source_dir is /',
      () => send('POST', '/v1/projects', { token: stack.adminToken, body: body({ ...fixture.project, name: 'rooted', source_dir: '/' }) }),
      400,
      'project.source_dir',
    ],
    [
      'a project whose source_dir is another server directory',
      () => send('POST', '/v1/projects', { token: stack.adminToken, body: body({ ...fixture.project, name: 'etc', source_dir: '/etc' }) }),
      400,
      'project.source_dir',
    ],
    [
      "replacing another team's project",
      () => send('POST', '/v1/projects', { token: trainerToken, body: body({ ...fixture.project, description: 'mine now' }) }),
      403,
      undefined,
    ],
    [
      'a text/plain body (a cross-site form post)',
      () => send('POST', '/v1/runs', { token: stack.adminToken, headers: { 'content-type': 'text/plain' }, body: body({ project: 'sleepy' }) }),
      415,
      'headers.content-type',
    ],
    [
      'a foreign Origin (CSRF)',
      () => send('POST', '/v1/runs', { token: stack.adminToken, headers: { origin: 'http://evil.example' }, body: body({ project: 'sleepy' }) }),
      403,
      'headers.origin',
    ],
    [
      'a foreign Host (DNS rebinding)',
      () => send('POST', '/v1/runs', { token: stack.adminToken, headers: { host: 'evil.example:8580' }, body: body({ project: 'sleepy' }) }),
      421,
      'headers.host',
    ],
    ['?limit=abc', () => send('GET', '/v1/runs?limit=abc', { token: stack.adminToken }), 400, 'limit'],
    ['JSON nested 10,000 deep', () => send('POST', '/v1/runs', { token: stack.adminToken, body: `${'['.repeat(10_000)}${']'.repeat(10_000)}` }), 400, 'body'],
  ])('%s', async (_label, attack, status, field) => {
    const before = await snapshot();
    const answer = await attack();
    expect(answer.status).toBe(status);
    if (field) expect(answer.error?.fields?.map((f) => f.path)).toContain(field);
    expect(await snapshot()).toEqual(before);
  });

  it('a refused dataset path never shows the file: the error names the field, not its contents', async () => {
    const answer = await send('POST', '/v1/datasets', { token: stack.adminToken, body: body({ name: 'passwd', path: '/etc/passwd', target_column: 'root' }) });
    expect(answer.status).toBe(400);
    expect(answer.text).not.toMatch(/root:|\/bin\/(ba)?sh|nologin/);
  });
});
