import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import type { EnvironmentBuildLog } from '../../api/catalog-details-service.js';
import type { KilnApiClient } from '../../api/client/kiln-api-client.js';
import type { DatasetVersionRecord } from '../../core/metadata/datasets-repository.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { startTestStack } from '../support/test-stack.js';
import { runToEnd } from '../support/wait-for-run.js';

// Build logs and dataset versions over HTTP, after a real run built the environment and stored a version.
let stack: EmbeddedStack;
let client: KilnApiClient;

beforeAll(async () => {
  ({ stack, client } = await startTestStack('catalog-details'));
  await applySpecFile(client, readSpecFile(join(__dirname, '..', 'fixtures', 'sleepy', 'kiln.json')));
  expect((await runToEnd(client, { project: 'sleepy' })).status).toBe('succeeded');
});
afterAll(async () => stack?.stop());

async function get(path: string, token = stack.adminToken!): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${stack.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

describe('environment build logs and dataset versions', () => {
  it("answers the newest build attempt's log with the build's state", async () => {
    const { status, body } = await get('/v1/environments/stdlib-py311/build-log');
    expect(status).toBe(200);
    const log = body as EnvironmentBuildLog;
    expect(log).toMatchObject({ environment: 'stdlib-py311', attempt: 1, truncated: false, build: { status: 'ready' } });
    expect(log.text.length).toBeGreaterThan(0);
    expect(log.size).toBe(Buffer.byteLength(log.text));
  });

  it("lists a dataset's versions, newest first, with rows and content digest", async () => {
    const { status, body } = await get('/v1/datasets/tiny/versions');
    expect(status).toBe(200);
    const [version] = body as DatasetVersionRecord[];
    expect(version).toMatchObject({ datasetName: 'tiny' });
    expect(version!.trainRows + version!.testRows).toBeGreaterThan(0);
    expect(version!.contentSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['/v1/environments/Not_A_Name/build-log', 400, 'name'],
    ['/v1/datasets/Not_A_Name/versions', 400, 'name'],
    ['/v1/environments/nowhere/build-log', 404, undefined],
    ['/v1/datasets/nowhere/versions', 404, undefined],
  ])('%s → %i', async (path, status, field) => {
    const answer = await get(path);
    expect(answer.status).toBe(status);
    const error = (answer.body as { error: { fields?: { path: string }[] } }).error;
    if (field) expect(error.fields?.map((f) => f.path)).toEqual([field]);
  });
});
