import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KilnApiClient, KilnApiError } from '../../api/client/kiln-api-client.js';
import { readSpecFile } from '../../api/cli/apply-file.js';
import { INSTALL_DIR } from '../../core/config.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { startTestStack } from '../support/test-stack.js';
import { waitForRun } from '../support/wait-for-run.js';

const fixture = readSpecFile(join(INSTALL_DIR, 'test', 'fixtures', 'sleepy', 'kiln.json'));
let stack: EmbeddedStack;
let admin: KilnApiClient;
/** Trainer for team red, trainer for team blue, viewer of projects named blue-*. */
let alice: KilnApiClient;
let bob: KilnApiClient;
let carol: KilnApiClient;
const runs: Record<string, string> = {};

async function refusal(promise: Promise<unknown>): Promise<KilnApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KilnApiError);
  return error as KilnApiError;
}

const names = (list: unknown[]) => list.map((item) => (item as { name: string }).name).sort();

beforeAll(async () => {
  let client: KilnApiClient;
  ({ stack, client } = await startTestStack('teams'));
  admin = client;
  await admin.applyEnvironment(fixture.environment!);
  const people: [string, string | undefined, string, { teams?: string[]; projects?: string[] }][] = [
    ['alice', 'red', 'trainer', { teams: ['red'] }],
    ['bob', 'blue', 'trainer', { teams: ['blue'] }],
    ['carol', undefined, 'viewer', { projects: ['blue-*'] }],
  ];
  const clients: KilnApiClient[] = [];
  for (const [name, team, role, scope] of people) {
    await admin.addPrincipal('user', { name, ...(team ? { team } : {}) });
    await admin.addBinding({ principal: `user:${name}`, role, scope });
    const { token } = await admin.createToken({ name: 'test', owner: `user:${name}` });
    clients.push(new KilnApiClient(stack.apiUrl!, { token }));
  }
  [alice, bob, carol] = clients as [KilnApiClient, KilnApiClient, KilnApiClient];
  for (const [who, color] of [
    [alice, 'red'],
    [bob, 'blue'],
  ] as const) {
    await who.applyDataset({ ...fixture.dataset!, name: `${color}-data` });
    await who.applyProject({ ...fixture.project!, name: `${color}-proj`, dataset: `${color}-data` });
    const { run_id } = await who.startRun({ project: `${color}-proj` });
    runs[color] = run_id;
  }
  for (const runId of Object.values(runs)) await waitForRun(admin, runId, 120_000);
});
afterAll(async () => stack?.stop());

describe('resources belong to their creator’s team, and scoped bindings see and change only theirs', () => {
  it('lists show each caller only what its bindings cover', async () => {
    expect(names(await alice.listProjects())).toEqual(['red-proj']);
    expect(names(await bob.listProjects())).toEqual(['blue-proj']);
    expect(names(await carol.listProjects())).toEqual(['blue-proj']);
    expect(names(await admin.listProjects())).toEqual(['blue-proj', 'red-proj']);
    expect(names(await alice.listDatasets())).toEqual(['red-data']);
    expect((await alice.listRuns()).map((r) => r.id)).toEqual([runs.red]);
    expect((await bob.listRuns()).map((r) => r.id)).toEqual([runs.blue]);
    expect((await carol.listRuns()).map((r) => r.id)).toEqual([runs.blue]);
    expect((await admin.listRuns()).map((r) => r.id).sort()).toEqual([runs.blue, runs.red].sort());
    // Blue's run is the newest: a limit counts only the runs the caller may see, not the newest rows.
    expect((await alice.listRuns({ limit: '1' })).map((r) => r.id)).toEqual([runs.red]);
    expect((await admin.listRuns({ limit: '1' })).map((r) => r.id)).toEqual([runs.blue]);
  });

  it("replacing another team's project is a 403 naming the permission and the project, and changes nothing", async () => {
    const before = (await admin.listProjects()).find((p) => p.name === 'blue-proj');
    const error = await refusal(alice.applyProject({ ...fixture.project!, name: 'blue-proj', dataset: 'red-data', description: 'hijacked' }));
    expect(error.status).toBe(403);
    expect(error.message).toContain('projects:write on project:blue-proj');
    expect((await admin.listProjects()).find((p) => p.name === 'blue-proj')).toEqual(before);
  });

  it("reading or running another team's resources is a 403; a viewer cannot start runs", async () => {
    expect((await refusal(bob.getRun(runs.red!))).status).toBe(403);
    expect((await refusal(bob.startRun({ project: 'red-proj' }))).status).toBe(403);
    expect((await refusal(bob.showModel('red-proj'))).status).toBe(403);
    expect((await carol.getRun(runs.blue!)).runId).toBe(runs.blue);
    expect((await refusal(carol.getRun(runs.red!))).status).toBe(403);
    expect((await refusal(carol.startRun({ project: 'blue-proj' }))).status).toBe(403);
  });

  it('trainers manage neither environments, users nor the audit log', async () => {
    expect((await refusal(alice.applyEnvironment({ name: 'alice-env', python_version: '3.11', dependencies: ['requests'] }))).status).toBe(403);
    expect((await refusal(alice.addPrincipal('user', { name: 'alice2' }))).status).toBe(403);
    expect((await refusal(alice.addBinding({ principal: 'user:alice', role: 'admin' }))).status).toBe(403);
    expect((await refusal(alice.audit())).status).toBe(403);
  });

  it('the audit log records who tried what on which resource, allowed or not', async () => {
    const denied = await admin.audit({ principal: 'user:alice', outcome: 'denied' });
    expect(denied.map((e) => `${e.method} ${e.route} ${e.resource}`)).toContain('POST /v1/projects project:blue-proj');
    const ok = await admin.audit({ principal: 'user:bob', outcome: 'ok' });
    expect(ok.map((e) => `${e.method} ${e.route} ${e.resource}`)).toEqual(
      expect.arrayContaining(['POST /v1/projects project:blue-proj', 'POST /v1/datasets dataset:blue-data', 'POST /v1/runs project:blue-proj']),
    );
  });
});
