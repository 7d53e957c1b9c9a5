import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import type { KilnApiClient, RunView } from '../../api/client/kiln-api-client.js';
import { INSTALL_DIR } from '../../core/config.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { createMysqlTestDatabase } from '../support/mysql-test-database.js';
import { withPath } from '../support/s3-test-stores.js';
import { startTestStack } from '../support/test-stack.js';
import { runToEnd } from '../support/wait-for-run.js';

let stack: EmbeddedStack;
let client: KilnApiClient;
let dropDatabase: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const mysqlUrl = inject('mysqlUrl');
  if (!mysqlUrl) throw new Error('the scale-out pipeline test needs MariaDB (KILN_TEST_DIALECTS must include mysql)');
  const database = await createMysqlTestDatabase(mysqlUrl);
  dropDatabase = database.drop;
  const artifactsUrl = withPath(inject('minioUrl'), `/kiln-pipeline-${randomBytes(4).toString('hex')}`);
  ({ stack, client } = await startTestStack('scale-out', { databaseUrl: database.url, artifactsUrl }));
  await applySpecFile(client, readSpecFile(join(INSTALL_DIR, 'examples', 'breast-cancer', 'kiln.json')));
});
afterAll(async () => {
  await stack?.stop();
  await dropDatabase?.();
});

describe('the full pipeline on the scale-out backends: MariaDB metadata, MinIO artifacts', () => {
  it('runs the example end to end with every record in MySQL and every artifact in MinIO', async () => {
    expect(stack.backends.metadata.dialect).toBe('mysql');
    expect(stack.backends.artifacts.description).toMatch(/^s3/);
    const run: RunView = await runToEnd(client, { project: 'breast-cancer' }, 240_000);
    const run_id = run.runId;
    expect(run.error).toBeUndefined();
    expect(run.status).toBe('succeeded');
    expect(run.metrics.accuracy).toBeGreaterThanOrEqual(0.9);

    const stored = await stack.backends.metadata.runs.getRun(run_id);
    expect(stored?.status).toBe('succeeded');
    expect(stored?.stages.find((s) => s.stage === 'train')?.status).toBe('succeeded');
    const [version] = await client.listModelVersions('breast-cancer');
    expect(version).toMatchObject({ version: 1, runId: run_id, sourceDigest: run.sourceDigest, datasetVersion: run.datasetVersion });

    const keys = await stack.backends.artifacts.list('');
    expect(keys.some((k) => k.startsWith(`sources/${run.sourceDigest}/`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`datasets/breast-cancer/${run.datasetVersion}/`) && k.endsWith('train.csv'))).toBe(true);
    expect(keys.some((k) => k.startsWith(`runs/${run_id}/train/`) && k.endsWith('.log'))).toBe(true);
    expect(
      (
        await client.predict('breast-cancer', [
          [
            17.99, 10.38, 122.8, 1001, 0.1184, 0.2776, 0.3001, 0.1471, 0.2419, 0.07871, 1.095, 0.9053, 8.589, 153.4, 0.006399, 0.04904, 0.05373, 0.01587,
            0.03003, 0.006193, 25.38, 17.33, 184.6, 2019, 0.1622, 0.6656, 0.7119, 0.2654, 0.4601, 0.1189,
          ],
        ])
      ).predictions,
    ).toEqual([0]);
  });
});
