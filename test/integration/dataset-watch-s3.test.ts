/**
 * `s3://bucket/key` datasets on the real MinIO of the global setup, read through the stack's S3
 * artifact store: versioned and trained on like files, a new upload detected by the watcher, a
 * missing object reported on `dataset.path`, and refused when the artifact store is a filesystem.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScheduleNotFoundError, WorkflowNotFoundError } from '@temporalio/client';
import type { Client as MinioClient } from 'minio';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newDataRunId } from '../../activities/dataset-watch.js';
import { readSpecFile } from '../../api/cli/apply-file.js';
import { KilnApiError, type KilnApiClient } from '../../api/client/kiln-api-client.js';
import { KilnService } from '../../api/kiln-service.js';
import { createArtifactStore } from '../../core/artifacts/create-artifact-store.js';
import { parseS3Url } from '../../core/artifacts/s3/s3-location.js';
import type { KilnConfig } from '../../core/config.js';
import { datasetVersionId, sha256Hex } from '../../core/datasets/dataset-version.js';
import { SpecValidationError } from '../../core/errors.js';
import { datasetWatchScheduleId } from '../../core/schedules/dataset-watch-schedule.js';
import { KilnTrigger } from '../../core/temporal/search-attributes.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { eventually } from '../support/process-check.js';
import { rawClient, removeAll, withPath } from '../support/s3-test-stores.js';
import { startTestStack } from '../support/test-stack.js';
import { runToEnd, waitForRun } from '../support/wait-for-run.js';
import { probeProject } from '../support/probe-project.js';

let stack: EmbeddedStack;
let client: KilnApiClient;
let config: KilnConfig;
let raw: MinioClient;
const PROBE = join(import.meta.dirname, '..', '..', 'bench', 'fixtures', 'probe');
const CSV = readFileSync(join(PROBE, 'data', 'tiny.csv'));
// Sources live in a bucket of their own, outside the store's, where a team's data would be.
const bucket = `watch-sources-${randomBytes(4).toString('hex')}`;
const unique = (name: string) => `${name}-${process.pid % 100000}`;

beforeAll(async () => {
  const minio = inject('minioUrl');
  raw = rawClient(parseS3Url(minio));
  await raw.makeBucket(bucket);
  const artifactsUrl = withPath(minio, `/kiln-watch-${randomBytes(4).toString('hex')}`);
  ({ stack, client, config } = await startTestStack('dataset-watch-s3', { artifactsUrl }));
  await client.applyEnvironment(readSpecFile(join(PROBE, 'kiln.json')).environment!);
});
afterAll(async () => {
  await stack?.client.schedule
    .getHandle(datasetWatchScheduleId(unique('s3-watched')))
    .delete()
    .catch((error: unknown) => {
      if (!(error instanceof ScheduleNotFoundError)) console.error('deleting the watch schedule:', error);
    });
  await stack?.stop();
  await removeAll(raw, bucket, '');
  await raw.removeBucket(bucket);
});

/** Uploads `body` as `data/<name>` and returns its s3:// path. */
async function upload(name: string, body: Buffer): Promise<string> {
  await raw.putObject(bucket, `data/${name}`, body);
  return `s3://${bucket}/data/${name}`;
}

const versionOf = (bytes: Buffer) => datasetVersionId(sha256Hex(bytes), 'label', { test_fraction: 0.2, seed: 0, stratify: true });

describe('s3:// datasets', () => {
  it('are versioned and trained on, and a new upload of the object starts a run within the watch interval', async () => {
    const dataset = unique('s3-watched');
    const project = unique('s3-sub');
    const path = await upload('watched.csv', CSV);
    expect(await client.applyDataset({ name: dataset, path, target_column: 'label', watch: { every: '10s' } })).toMatchObject({ path });
    await client.applyProject(probeProject(project, dataset, true));
    expect(await eventually(async () => (await stack.backends.metadata.datasets.getWatch(dataset)) !== undefined, 15_000)).toBe(true);

    const manual = await runToEnd(client, { project }, 90_000);
    expect(manual).toMatchObject({ status: 'succeeded', datasetVersion: versionOf(CSV) });

    const grown = Buffer.concat([CSV, Buffer.from('0.9911,0.9912,0\n0.9913,0.9914,1\n')]);
    await upload('watched.csv', grown);
    const uploadedAt = Date.now();
    const runId = newDataRunId(project, versionOf(grown));
    let startedAt: number | undefined;
    const started = async () =>
      (startedAt = await stack.client.workflow
        .getHandle(runId)
        .describe()
        .then(
          (d) => d.startTime.getTime(),
          (error: unknown) => (error instanceof WorkflowNotFoundError ? undefined : Promise.reject(error)),
        )) !== undefined;
    expect(await eventually(started, 20_000, 200)).toBe(true);
    expect(startedAt! - uploadedAt).toBeLessThan(10_000 + 2_000);
    expect((await stack.client.workflow.getHandle(runId).describe()).typedSearchAttributes.get(KilnTrigger)).toBe('new_data');
    expect(await waitForRun(client, runId, 90_000)).toMatchObject({ status: 'succeeded', trigger: 'new_data', datasetVersion: versionOf(grown) });
    const stored = await stack.backends.artifacts.getBuffer(`datasets/${dataset}/${versionOf(grown)}/source.csv`);
    expect(stored.equals(grown)).toBe(true);
  });

  it('a run on an object deleted since registration fails as missing_data, naming the object', async () => {
    const dataset = unique('s3-vanishing');
    const project = unique('s3-vanishing-sub');
    const path = await upload('vanishing.csv', CSV);
    await client.applyDataset({ name: dataset, path, target_column: 'label' });
    await client.applyProject(probeProject(project, dataset, true));
    await raw.removeObject(bucket, 'data/vanishing.csv');

    const run = await runToEnd(client, { project }, 90_000);
    expect(run).toMatchObject({ status: 'failed', failureClass: 'missing_data' });
    expect(run.error).toContain(path);
  });
});

describe('registering an s3:// dataset', () => {
  it('answers 400 on dataset.path when the object does not exist, and registers nothing', async () => {
    const dataset = unique('s3-missing');
    const error = await client.applyDataset({ name: dataset, path: `s3://${bucket}/data/nothing-here.csv`, target_column: 'label' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KilnApiError);
    expect((error as KilnApiError).status).toBe(400);
    expect((error as KilnApiError).fields).toEqual([{ path: 'dataset.path', message: `no such object: s3://${bucket}/data/nothing-here.csv` }]);
    expect(await stack.backends.metadata.datasets.get(dataset)).toBeUndefined();
  });

  it('is refused on dataset.path when the artifact store is a filesystem', async () => {
    const path = await upload('filesystem.csv', CSV);
    const service = new KilnService({
      temporal: stack.client,
      metadata: stack.backends.metadata,
      taskQueue: config.taskQueue,
      namespace: config.temporalNamespace,
      artifacts: createArtifactStore({ filesystemRoot: mkdtempSync(join(tmpdir(), 'kiln-fs-store-')) }),
      inputRoots: { allowed: config.dataRoots, denied: [config.home] },
    });
    const error = await service.applyDataset({ name: unique('s3-on-fs'), path, target_column: 'label' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SpecValidationError);
    expect((error as SpecValidationError).problems).toEqual([{ path: 'dataset.path', message: expect.stringContaining('S3 artifact store') }]);
  });
});
