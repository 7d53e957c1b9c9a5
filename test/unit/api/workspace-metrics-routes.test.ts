import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KilnApiClient, KilnApiError } from '../../../api/client/kiln-api-client.js';
import { renderWorkspaceMetrics } from '../../../api/cli/workspace-commands.js';
import { startApiServer } from '../../../api/http/api-server.js';
import { workspaceRoutes } from '../../../api/http/workspace-routes.js';
import { NO_WORKSPACES, WorkspacesService } from '../../../api/workspaces-service.js';
import { createWorkspaceRecord, metricLine } from '../../support/workspace-metrics-fixture.js';
import { startTestSecurity } from '../../support/test-security.js';
import { ingestNotebookMetrics } from '../../../core/workspaces/ingest-notebook-metrics.js';
import { sliceChunk } from '../../../core/workspaces/metrics-file-chunk.js';

let security: Awaited<ReturnType<typeof startTestSecurity>>;
let server: Awaited<ReturnType<typeof startApiServer>>;
let admin: KilnApiClient;
let noRead: KilnApiClient;

beforeAll(async () => {
  security = await startTestSecurity();
  const { metadata, access } = security;
  const workspaces = new WorkspacesService({
    ...NO_WORKSPACES,
    metadata,
    // Reading metrics never reaches Temporal.
    temporal: undefined as unknown as Client,
    taskQueue: 'unused',
    directory: () => access.directory(),
  });
  server = await startApiServer(workspaceRoutes(workspaces), '127.0.0.1', 0, { security: access });
  admin = new KilnApiClient(server.url, { token: security.adminToken });

  await createWorkspaceRecord(metadata, 'nb');
  const file = [
    metricLine({ name: 'acc', value: 0.8, step: 1 }, Date.UTC(2026, 11, 3, 10)),
    metricLine({ name: 'loss', value: 0.4, step: 1 }, Date.UTC(2026, 11, 3, 10)),
    'not a metric\n',
    metricLine({ name: 'acc', value: 0.9, step: 2, epoch: 1 }, Date.UTC(2026, 11, 3, 11)),
  ].join('');
  await ingestNotebookMetrics({ readMetricsFile: async (_n, offset, max) => sliceChunk(Buffer.from(file), offset, max) }, metadata.workspaceMetrics, 'nb');

  await metadata.access.putRole({ name: 'runs-only', permissions: ['runs:read'] }, 'test');
  await metadata.access.addPrincipal({ kind: 'user', name: 'rita' }, 'test');
  await metadata.access.addBinding({ principal: { kind: 'user', name: 'rita' }, role: 'runs-only', scope: null }, 'test');
  const caller = await access.authenticate(`Bearer ${security.adminToken}`);
  const { token } = await access.createToken({ name: 't', owner: 'user:rita' }, { principal: caller, grant: await access.grantOf(caller) });
  noRead = new KilnApiClient(server.url, { token });
});
afterAll(async () => {
  await server?.close();
  await security?.close();
});

async function refusal(call: Promise<unknown>): Promise<KilnApiError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KilnApiError);
  return error as KilnApiError;
}

describe('GET /v1/workspaces/{name}/metrics', () => {
  it("answers each metric's latest value, count and last step, and every point in the order logged", async () => {
    const view = await admin.workspaceMetrics('nb');
    expect(view.invalid_lines).toBe(1);
    expect(view.metrics).toEqual([
      { name: 'acc', count: 2, last: { value: 0.9, step: 2, epoch: 1, logged_at: '2026-12-03T11:00:00.000Z' } },
      { name: 'loss', count: 1, last: { value: 0.4, step: 1, epoch: null, logged_at: '2026-12-03T10:00:00.000Z' } },
    ]);
    expect(view.points.map((p) => [p.name, p.value, p.step])).toEqual([
      ['acc', 0.8, 1],
      ['loss', 0.4, 1],
      ['acc', 0.9, 2],
    ]);
    expect(renderWorkspaceMetrics(view)).toEqual([
      'METRIC  LATEST  COUNT  LAST STEP  LOGGED AT',
      'acc     0.9     2      2          2026-12-03T11:00:00.000Z',
      'loss    0.4     1      1          2026-12-03T10:00:00.000Z',
      '(1 invalid line(s) in the metrics file skipped)',
    ]);
  });

  it('filters by ?name=', async () => {
    const view = await admin.workspaceMetrics('nb', { name: 'loss' });
    expect([view.metrics.map((m) => m.name), view.points.length]).toEqual([['loss'], 1]);
  });

  it.each([
    ['an empty metric name', '?name=', 'name'],
    ['a metric name longer than a metric line allows', `?name=${'x'.repeat(201)}`, 'name'],
    ['a metric name given twice', '?name=acc&name=loss', 'name'],
    ['an unknown query parameter', '?step=1', 'step'],
  ])('refuses %s with a 400 naming the field', async (_what, query, field) => {
    const response = await fetch(`${server.url}/v1/workspaces/nb/metrics${query}`, { headers: { authorization: `Bearer ${security.adminToken}` } });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { fields: { path: string }[] } };
    expect(error.fields.map((f) => f.path)).toContain(field);
  });

  it('answers 404 for an unknown workspace', async () => {
    expect((await refusal(admin.workspaceMetrics('ghost'))).status).toBe(404);
  });

  it('needs workspaces:read (403 without it, 401 without a token)', async () => {
    const error = await refusal(noRead.workspaceMetrics('nb'));
    expect([error.status, error.message]).toEqual([403, expect.stringContaining('workspaces:read')]);
    expect((await fetch(`${server.url}/v1/workspaces/nb/metrics`)).status).toBe(401);
  });

  it('prints that nothing was logged yet for a workspace without metrics', async () => {
    await createWorkspaceRecord(security.metadata, 'empty');
    expect(renderWorkspaceMetrics(await admin.workspaceMetrics('empty'))).toEqual(['workspace empty: no metrics logged yet']);
  });
});
