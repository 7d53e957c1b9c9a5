/**
 * Feature profiles through the real API and CLI: a stored version's profile by dataset (newest
 * or `?version=`) and through a model version trained on it; a version stored before profiles
 * gets one on first request; unknown names and bad versions are 404s and 400s naming them.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KilnApiError, type KilnApiClient } from '../../api/client/kiln-api-client.js';
import { datasetProfileKey } from '../../core/artifacts/artifact-keys.js';
import { homePaths, type KilnConfig } from '../../core/config.js';
import { DatasetProfile } from '../../core/datasets/dataset-profile.js';
import { storeDatasetVersion } from '../../core/datasets/store-dataset-version.js';
import { DatasetSpec } from '../../core/specs/dataset.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { newRun } from './metadata/fixtures.js';
import { runCli } from '../support/run-cli.js';
import { startTestStack } from '../support/test-stack.js';

const TINY = join(import.meta.dirname, '..', 'fixtures', 'sleepy', 'data', 'tiny.csv');

let stack: EmbeddedStack;
let client: KilnApiClient;
let config: KilnConfig;
let dataDir: string;

beforeAll(async () => {
  ({ stack, client, config } = await startTestStack('dataset-profile'));
  dataDir = mkdtempSync(join(tmpdir(), 'kiln-profile-data-'));
});
afterAll(async () => {
  await stack?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Split seeds: version ids leave the dataset's name out, so the same CSV under two names needs two seeds. */
let nextSeed = 0;

/** Registers `name` on a copy of the tiny CSV and stores a new version of it, as a run's prepare step does. */
async function storedVersion(name: string): Promise<string> {
  const seed = nextSeed++;
  const path = join(dataDir, `${name}.csv`);
  copyFileSync(TINY, path);
  const spec = DatasetSpec.parse(await client.applyDataset({ name, path, target_column: 'label', split: { seed } }));
  const stored = await storeDatasetVersion(stack.backends.artifacts, spec, path);
  await stack.backends.metadata.datasets.recordVersion({
    id: stored.versionId,
    datasetName: name,
    contentSha256: stored.manifest.content_sha256,
    split: stored.manifest.split,
    trainRows: stored.manifest.train_rows,
    testRows: stored.manifest.test_rows,
    artifactPrefix: stored.prefix,
  });
  return stored.versionId;
}

/** Registers a version of `model` from a run on `datasetVersion` (none: recorded without one); returns its number. */
async function registeredModel(model: string, datasetVersion: string | null): Promise<number> {
  const { metadata } = stack.backends;
  const run = await metadata.runs.createRun(newRun(`${model}-run`, { project: model, modelName: model, datasetVersion }));
  const registered = await metadata.models.register({
    modelName: model,
    runId: run.id,
    datasetVersion,
    params: run.params,
    metrics: {},
    artifactPrefix: `models/${model}/1`,
  });
  return registered.version;
}

async function refusal(call: Promise<unknown>): Promise<Pick<KilnApiError, 'status' | 'message' | 'fields'>> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KilnApiError);
  const { status, message, fields } = error as KilnApiError;
  return { status, message, fields };
}

describe('GET /v1/datasets/{name}/profile', () => {
  it("answers the newest version's profile of its train split, and any version by ?version=", async () => {
    const first = await storedVersion('profiled');
    const second = await storedVersion('profiled');
    const newest = DatasetProfile.parse(await client.datasetProfile('profiled'));
    expect(newest).toMatchObject({ dataset: 'profiled', version: second, rows: 32, target: { name: 'label', kind: 'categorical', count: 32 } });
    expect(newest.features.map((f) => [f.name, f.kind, f.count, f.missing, f.kind === 'numeric' ? f.bin_proportions.length : 0])).toEqual([
      ['x1', 'numeric', 32, 0, 10],
      ['x2', 'numeric', 32, 0, 10],
    ]);
    expect(await client.datasetProfile('profiled', first)).toMatchObject({ version: first });
  });

  it('computes and stores the profile of a version stored before profiles, on the first request', async () => {
    const version = await storedVersion('old-version');
    const key = datasetProfileKey('old-version', version);
    const expected = await client.datasetProfile('old-version');
    rmSync(join(homePaths(config.home).artifacts, key));
    expect(await stack.backends.artifacts.exists(key)).toBe(false);
    expect(await client.datasetProfile('old-version', version)).toEqual(expected);
    expect(await stack.backends.artifacts.exists(key)).toBe(true);
  });

  it('is a 404 naming the dataset or the version it cannot find', async () => {
    const version = await storedVersion('other-data');
    expect(await refusal(client.datasetProfile('no-such-data'))).toMatchObject({ status: 404, message: 'dataset "no-such-data" not found' });
    await client.applyDataset({ name: 'never-run', path: join(dataDir, 'other-data.csv'), target_column: 'label' });
    expect(await refusal(client.datasetProfile('never-run'))).toMatchObject({ status: 404, message: 'dataset version "never-run@newest" not found' });
    expect(await refusal(client.datasetProfile('never-run', version))).toMatchObject({
      status: 404,
      message: `dataset version "never-run@${version}" not found`,
    });
    expect(await refusal(client.datasetProfile('other-data', 'f'.repeat(16)))).toMatchObject({ status: 404 });
  });

  it.each([
    ['a version that is not 16 hex characters', 'v1'],
    ['an upper-case version', 'ABCDEF0123456789'],
  ])('is a 400 naming version for %s', async (_label, version) => {
    expect(await refusal(client.datasetProfile('profiled', version))).toMatchObject({ status: 400, fields: [expect.objectContaining({ path: 'version' })] });
  });
});

describe('GET /v1/models/{name}/versions/{version}/profile', () => {
  it('answers the profile of the dataset version the model version was trained on', async () => {
    const version = await storedVersion('trained-on');
    const registered = await registeredModel('profiled-model', version);
    expect(await client.modelVersionProfile('profiled-model', registered)).toEqual(await client.datasetProfile('trained-on', version));
  });

  it('is a 404 for an unknown model version, or one without a recorded dataset version', async () => {
    await registeredModel('unlinked-model', null);
    expect(await refusal(client.modelVersionProfile('profiled-model', 99))).toMatchObject({
      status: 404,
      message: 'model version "profiled-model v99" not found',
    });
    expect(await refusal(client.modelVersionProfile('unlinked-model', 1))).toMatchObject({ status: 404, message: expect.stringContaining('dataset version') });
  });
});

describe('kiln dataset profile', () => {
  it('prints one line per column: kind, count, missing, mean and std, the target last', async () => {
    const version = await storedVersion('cli-data');
    const cli = await runCli(['dataset', 'profile', 'cli-data'], client.baseUrl, config.home);
    expect(cli.status).toBe(0);
    const lines = cli.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`dataset cli-data  version ${version}  32 rows (train split)`);
    expect(lines[1]).toMatch(/^FEATURE +KIND +COUNT +MISSING +MEAN \/ STD OR TOP CATEGORIES$/);
    expect(lines.slice(2).map((l) => l.split(/\s+/).slice(0, 4))).toEqual([
      ['x1', 'numeric', '32', '0'],
      ['x2', 'numeric', '32', '0'],
      ['label', '(target)', 'categorical', '32'],
    ]);
    expect(lines[2]).toMatch(/mean \d\.\d+ {2}std \d\.\d+$/);
    expect(lines[4]).toMatch(/ {2}[01] \d+\.\d%, [01] \d+\.\d%$/);
  });

  it('prints the JSON the API answers with --json, and a chosen --version', async () => {
    const version = await storedVersion('cli-json');
    const cli = await runCli(['dataset', 'profile', 'cli-json', '--version', version, '--json'], client.baseUrl, config.home);
    expect(cli.status).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual(await client.datasetProfile('cli-json', version));
  });

  it('says what is wrong and exits 2 for an unknown dataset or a malformed version', async () => {
    const unknown = await runCli(['dataset', 'profile', 'no-such-data'], client.baseUrl, config.home);
    expect([unknown.status, unknown.stderr.trim()]).toEqual([2, 'error: dataset "no-such-data" not found']);
    const malformed = await runCli(['dataset', 'profile', 'cli-json', '--version', 'latest'], client.baseUrl, config.home);
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toMatch(/^error: version: not a dataset version id/);
  });
});
