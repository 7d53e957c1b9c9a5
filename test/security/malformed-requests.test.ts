import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { KilnApiClient } from '../../api/client/kiln-api-client.js';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import { kilnRoutes } from '../../api/http/routes.js';
import type { KilnConfig } from '../../core/config.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { startTestStack } from '../support/test-stack.js';
import { malformedProbes, type Probe } from './support-malformed-probes.js';

const REPO = join(__dirname, '..', '..');
const FIXTURE = join(REPO, 'test', 'fixtures', 'sleepy');
// Temporal schedules live in the shared namespace: our names carry the pid, and only those are compared.
const TAG = `p${process.pid}`;
const SCHEDULE = `malformed-${TAG}`;

interface Answer {
  status: number;
  contentType: string;
  requestId: string;
  text: string;
}

/** Kiln's error body, strictly: an extra key (a stack, a cause) would leak internals. */
const ErrorShape = z
  .object({
    error: z
      .object({
        type: z.string().min(1),
        message: z.string().min(1),
        fields: z.array(z.object({ path: z.string(), message: z.string().min(1) }).strict()).optional(),
      })
      .strict(),
  })
  .strict();

/** One request on its own connection, exactly as given; a socket error before the whole answer is a reset. */
function send(apiUrl: string, token: string, probe: Probe): Promise<Answer | { reset: string }> {
  const { hostname, port } = new URL(apiUrl);
  const body = probe.body === undefined ? undefined : Buffer.from(probe.body, 'utf8');
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        host: hostname,
        port,
        method: probe.method,
        path: probe.path,
        agent: false,
        timeout: 30_000,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-length': String(body.length) } : {}), ...probe.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (error) => resolve({ reset: `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}` }));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            requestId: String(res.headers['x-request-id'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', (error) => resolve({ reset: `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}` }));
    req.end(body);
  });
}

/** What is wrong with an answer, if anything. */
function problemWith(probe: Probe, answer: Answer): string | undefined {
  if (!probe.allowed.includes(answer.status)) return `answered ${answer.status} (allowed: ${probe.allowed.join(', ')}): ${answer.text.slice(0, 300)}`;
  if (!answer.contentType.startsWith('application/json')) return `answered content-type ${JSON.stringify(answer.contentType)}`;
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch {
    return `answered ${answer.status} with a body that is not JSON: ${answer.text.slice(0, 200)}`;
  }
  const parsed = ErrorShape.safeParse(json);
  if (!parsed.success) return `answered ${answer.status} outside the error shape: ${answer.text.slice(0, 300)}`;
  const { fields } = parsed.data.error;
  if (![400, 413, 415].includes(answer.status)) return undefined;
  if (!fields?.length) return `answered ${answer.status} without error.fields: ${answer.text.slice(0, 300)}`;
  if (probe.field === undefined) return undefined;
  const field = probe.field.toLowerCase();
  const names = (f: { path: string; message: string }) => {
    const path = f.path.toLowerCase();
    // An unknown top-level field is reported at the body's root, naming the field in the message.
    // A path the router cannot decode (invalid UTF-8) is named as the URL: no parameter was read from it.
    if (path === 'url' && answer.status === 400) return true;
    return path === field || path.split(/[.[\]]+/).includes(field) || (!path.includes('.') && f.message.toLowerCase().includes(`"${field}"`));
  };
  return fields.some(names) ? undefined : `answered ${answer.status} without naming ${probe.field}: ${JSON.stringify(fields).slice(0, 300)}`;
}

let stack: EmbeddedStack;
let client: KilnApiClient;
let config: KilnConfig;
let probes: Probe[] = [];
const failures: string[] = [];
const fiveHundreds: string[] = [];
const resets: string[] = [];
/** Request ids of the POST and DELETE probes, each of which the audit log must hold. */
const mutatingIds: [string, string][] = [];
let before: Awaited<ReturnType<typeof snapshot>>;
let after: Awaited<ReturnType<typeof snapshot>>;

/** Everything a probe could have created, changed or removed, by name or id. */
async function snapshot() {
  const names = (items: unknown[]) => items.map((i) => (i as { name: string }).name).sort();
  const workflows: string[] = [];
  for await (const w of stack.client.workflow.list({ query: `TaskQueue = "${config.taskQueue}"` })) workflows.push(w.workflowId);
  return {
    environments: names(await client.listEnvironments()),
    datasets: names(await client.listDatasets()),
    projects: names(await client.listProjects()),
    runs: (await client.listRuns({ limit: 1000 })).map((r) => r.id),
    models: (await client.listModelVersions()).map((m) => `${m.modelName}@${m.version}`),
    schedules: (await client.listSchedules()).filter((s) => s.name.includes(TAG)).map((s) => `${s.name} paused=${s.paused}`),
    workspaces: (await client.listWorkspaces()).map((w) => `${w.name} ${w.status}`),
    workflows: workflows.sort(),
    workflowCount: (await stack.client.workflow.count(`TaskQueue = "${config.taskQueue}"`)).count,
    users: (await client.listPrincipals('user')).map((p) => `${p.principal} disabled=${p.disabled}`),
    serviceAccounts: (await client.listPrincipals('service-account')).map((p) => `${p.principal} disabled=${p.disabled}`),
    roles: (await client.listRoles()).map((r) => `${r.name}: ${r.permissions.join(',')}`),
    bindings: (await client.listBindings()).map((b) => `${b.id} ${b.principal} ${b.role}`),
    tokens: (await client.listTokens(true)).map((t) => `${t.id} ${t.owner} revoked=${t.revoked}`),
  };
}

beforeAll(async () => {
  ({ stack, client, config } = await startTestStack('malformed'));
  await applySpecFile(client, readSpecFile(join(FIXTURE, 'kiln.json')));
  // Real targets, so a check skipped in front of a DELETE or a trigger would show as a change.
  await client.applySchedule({ name: SCHEDULE, project: 'sleepy', every: '24h', paused: true });
  await client.addPrincipal('user', { name: 'mallory' });
  await client.addPrincipal('service-account', { name: 'robot' });
  await client.putRole({ name: 'auditor-lite', permissions: ['audit:read'] });
  const binding = await client.addBinding({ principal: 'user:mallory', role: 'auditor-lite' });
  const token = await client.createToken({ name: 'ci', owner: 'service-account:robot' });
  const targets: Record<string, string> = {
    'runs/id': 'no-such-run',
    'experiments/id': 'no-such-experiment',
    'models/name': 'sleepy',
    'versions/version': '1',
    'datasets/name': 'tiny',
    'environments/name': 'stdlib-py311',
    'aliases/alias': 'staging',
    'schedules/name': SCHEDULE,
    'users/name': 'mallory',
    'service-accounts/name': 'robot',
    'workspaces/name': 'no-such-workspace',
    'roles/name': 'auditor-lite',
    'bindings/id': binding.id,
    'tokens/id': token.id,
  };
  probes = malformedProbes(kilnRoutes(stack.service), targets, { fixture: FIXTURE, tag: TAG });

  before = await snapshot();
  for (const probe of probes) {
    const answer = await send(stack.apiUrl!, stack.adminToken!, probe);
    const name = `${probe.method} ${probe.path.length > 100 ? `${probe.path.slice(0, 50)}…${probe.path.slice(-40)}` : probe.path} [${probe.label}]`;
    if ('reset' in answer) {
      resets.push(`${name}: ${answer.reset}`);
      continue;
    }
    if (answer.status >= 500) fiveHundreds.push(`${name}: ${answer.status} ${answer.text.slice(0, 300)}`);
    const problem = problemWith(probe, answer);
    if (problem) failures.push(`${name}: ${problem}`);
    if (probe.method !== 'GET') mutatingIds.push([answer.requestId, name]);
  }
  // A workflow started by a probe reaches the visibility store a moment later.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  after = await snapshot();
}, 900_000);

afterAll(async () => {
  await client?.deleteSchedule(SCHEDULE).catch((error: unknown) => console.error(`could not delete schedule ${SCHEDULE}:`, error));
  await stack?.stop();
});

describe('malformed requests on every route', () => {
  it('number at least 200, several on every route but liveness', () => {
    const routes = kilnRoutes(stack.service).filter((r) => r.access !== 'public');
    const perRoute = new Map(routes.map((r) => [`${r.method} ${r.path}`, 0]));
    for (const probe of probes) perRoute.set(probe.route, (perRoute.get(probe.route) ?? 0) + 1);
    expect([...perRoute].filter(([, count]) => count < 3)).toEqual([]);
    expect(probes.length).toBeGreaterThanOrEqual(200);
  });

  it('answer 4xx in the error shape, a 400 naming the offending field', () => {
    expect(failures, `${failures.length} of ${probes.length} malformed requests answered wrongly:\n${failures.join('\n')}`).toEqual([]);
  });

  it('never answer 5xx and never reset the connection', () => {
    expect({ fiveHundreds: fiveHundreds.length, resets: resets.length }, [...fiveHundreds, ...resets].join('\n')).toEqual({ fiveHundreds: 0, resets: 0 });
  });

  it('create, change or remove nothing', () => {
    expect(after).toEqual(before);
  });

  it('are each in the audit log as invalid (POST and DELETE)', async () => {
    const audited = new Set<string>();
    let cursor: number | undefined;
    for (;;) {
      const page = await client.audit({ outcome: 'invalid', limit: 1000, ...(cursor === undefined ? {} : { before: cursor }) });
      for (const event of page) audited.add(event.requestId);
      if (page.length < 1000) break;
      cursor = page.at(-1)!.seq;
    }
    // The router answers a bad URL (invalid UTF-8, a parameter over its length limit) before any hook: no request id, no caller, no audit entry.
    const routed = mutatingIds.filter(([id]) => id !== '');
    const missing = routed.filter(([id]) => !audited.has(id)).map(([id, name]) => `${name} (request ${id})`);
    expect(routed.length).toBeGreaterThan(100);
    expect(missing, `not audited as invalid:\n${missing.join('\n')}`).toEqual([]);
  });
});
