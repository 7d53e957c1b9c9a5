/**
 * The new-data watcher on the real dev server, with a real worker, API and Python stages: a
 * change to a watched CSV becomes one version and one run per subscribed project within the
 * watch interval; racing checks start one run; unchanged content starts nothing; the watch
 * schedule follows the dataset spec; bad input creates nothing.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScheduleNotFoundError, WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newDataRunId, type DatasetCheck } from '../../activities/dataset-watch.js';
import { readSpecFile } from '../../api/cli/apply-file.js';
import { KilnApiClient, KilnApiError } from '../../api/client/kiln-api-client.js';
import type { KilnConfig } from '../../core/config.js';
import { datasetVersionId, sha256Hex } from '../../core/datasets/dataset-version.js';
import { WORKFLOW_TYPES } from '../../core/pipeline/workflow-ids.js';
import { datasetWatchScheduleId } from '../../core/schedules/dataset-watch-schedule.js';
import { KilnKind, KilnTrigger } from '../../core/temporal/search-attributes.js';
import { startEmbeddedStack, type EmbeddedStack } from '../../workers/embedded-stack.js';
import { eventually } from '../support/process-check.js';
import { startTestStack } from '../support/test-stack.js';
import { waitForRun } from '../support/wait-for-run.js';
import { probeProject } from '../support/probe-project.js';

let stack: EmbeddedStack;
let client: KilnApiClient;
let config: KilnConfig;
let dataDir: string;
const watched: string[] = [];
const PROBE = join(import.meta.dirname, '..', '..', 'bench', 'fixtures', 'probe');
// The dev server outlives this file: names unique to this process never meet an earlier run's.
const unique = (name: string) => `${name}-${process.pid % 100000}`;

beforeAll(async () => {
  ({ stack, client, config } = await startTestStack('dataset-watch'));
  dataDir = mkdtempSync(join(tmpdir(), 'kiln-watch-data-'));
  await client.applyEnvironment(readSpecFile(join(PROBE, 'kiln.json')).environment!);
});
afterAll(async () => {
  // Schedules live on the shared dev server: stop them firing at a queue nobody polls any more.
  for (const dataset of watched) {
    await stack?.client.schedule
      .getHandle(datasetWatchScheduleId(dataset))
      .delete()
      .catch((error: unknown) => {
        if (!(error instanceof ScheduleNotFoundError)) console.error(`deleting the watch schedule of ${dataset}:`, error);
      });
  }
  await stack?.stop();
});

/** A dataset on a fresh copy of the probe's CSV, and projects on it (name → on_new_data). Returns the CSV. */
async function register(dataset: string, watch: { every: string } | undefined, projects: Record<string, boolean> = {}): Promise<string> {
  const csv = join(dataDir, `${dataset}.csv`);
  copyFileSync(join(PROBE, 'data', 'tiny.csv'), csv);
  await client.applyDataset({ name: dataset, path: csv, target_column: 'label', ...(watch ? { watch } : {}) });
  if (watch) watched.push(dataset);
  for (const [name, onNewData] of Object.entries(projects)) await client.applyProject(probeProject(name, dataset, onNewData));
  return csv;
}

/** The version id a CSV's current content gets (default split). */
const versionOf = (csv: string) => datasetVersionId(sha256Hex(readFileSync(csv)), 'label', { test_fraction: 0.2, seed: 0, stratify: true });

/** Appends two rows (new content) and returns the version id the file now has. */
function appendRows(csv: string, tag: number): string {
  appendFileSync(csv, `0.${tag}1,0.${tag}2,0\n0.${tag}3,0.${tag}4,1\n`);
  return versionOf(csv);
}

/** One check, run now the way the schedule runs it. */
function checkNow(dataset: string): Promise<DatasetCheck> {
  return stack.client.workflow.execute(WORKFLOW_TYPES.datasetWatch, {
    taskQueue: config.taskQueue,
    workflowId: `check-${dataset}-${randomUUID()}`,
    args: [{ dataset }],
  });
}

const startTime = (workflowId: string) =>
  stack.client.workflow
    .getHandle(workflowId)
    .describe()
    .then(
      (d) => d.startTime.getTime(),
      (error: unknown) => (error instanceof WorkflowNotFoundError ? undefined : Promise.reject(error)),
    );
const pipelineCount = async (project: string) => (await stack.client.workflow.count(`KilnProject = '${project}' AND TaskQueue = '${config.taskQueue}'`)).count;
const versionIds = async (dataset: string) => (await stack.backends.metadata.datasets.listVersions(dataset)).map((v) => v.id);

describe('new data starts runs', () => {
  it('appending rows to a watched CSV starts one run per subscribed project on the new version, within the watch interval', async () => {
    const dataset = unique('watched');
    const [subscribed, other] = [unique('watch-sub'), unique('watch-unsub')];
    const csv = await register(dataset, { every: '10s' }, { [subscribed]: true, [other]: false });
    // The schedule checks once on creation: what the file held when registered is the baseline, not new data.
    expect(await eventually(async () => (await stack.backends.metadata.datasets.getWatch(dataset)) !== undefined, 15_000)).toBe(true);
    expect(await versionIds(dataset)).toEqual([]);

    const version = appendRows(csv, 1);
    const appendedAt = Date.now();
    const runId = newDataRunId(subscribed, version);
    let startedAt: number | undefined;
    expect(await eventually(async () => (startedAt = await startTime(runId)) !== undefined, 20_000, 200)).toBe(true);
    expect(startedAt! - appendedAt).toBeLessThan(10_000 + 2_000);

    expect((await stack.client.workflow.getHandle(runId).describe()).typedSearchAttributes.get(KilnTrigger)).toBe('new_data');
    const run = await waitForRun(client, runId, 90_000);
    expect(run).toMatchObject({ status: 'succeeded', trigger: 'new_data', datasetVersion: version, project: subscribed });
    expect(await stack.backends.metadata.runs.getRun(runId)).toMatchObject({ trigger: 'new_data', datasetVersion: version });
    expect(await versionIds(dataset)).toEqual([version]);

    // The schedule's checks are workflows of their own kind, on the Web UI beside the runs.
    const schedule = await stack.client.schedule.getHandle(datasetWatchScheduleId(dataset)).describe();
    const lastCheck = schedule.info.recentActions.at(-1)!.action.workflow.workflowId;
    expect((await stack.client.workflow.getHandle(lastCheck).describe()).typedSearchAttributes.get(KilnKind)).toBe('dataset-watch');

    // Checking again finds nothing new: still one run, and none for the project without on_new_data.
    expect(await checkNow(dataset)).toEqual({ changed: false, versionId: version, started: [], alreadyStarted: [] });
    expect(await eventually(async () => (await pipelineCount(subscribed)) === 1, 10_000)).toBe(true);
    expect(await pipelineCount(other)).toBe(0);
    expect(await startTime(newDataRunId(other, version))).toBeUndefined();
  });

  it('5 racing checks of one new version store one version and start one run', async () => {
    const dataset = unique('raced');
    const subscribed = unique('race-sub');
    const csv = await register(dataset, undefined, { [subscribed]: true });
    expect(await checkNow(dataset)).toMatchObject({ baseline: true, changed: false, started: [] });

    const version = appendRows(csv, 2);
    const runId = newDataRunId(subscribed, version);
    const checks = await Promise.all(Array.from({ length: 5 }, () => checkNow(dataset)));
    expect(checks.flatMap((c) => c.started)).toEqual([runId]);
    for (const check of checks) expect([...check.started, ...check.alreadyStarted]).toEqual(check.changed ? [runId] : []);
    expect(await versionIds(dataset)).toEqual([version]);
    expect(await waitForRun(client, runId, 90_000)).toMatchObject({ status: 'succeeded', datasetVersion: version });
    expect(await eventually(async () => (await pipelineCount(subscribed)) === 1, 10_000)).toBe(true);
  });

  it('an unchanged file starts nothing, also when only its modification time moved', async () => {
    const dataset = unique('unchanged');
    const subscribed = unique('unchanged-sub');
    const csv = await register(dataset, undefined, { [subscribed]: true });
    const version = versionOf(csv);
    expect(await checkNow(dataset)).toEqual({ changed: false, baseline: true, versionId: version, started: [], alreadyStarted: [] });
    expect(await checkNow(dataset)).toEqual({ changed: false, versionId: version, started: [], alreadyStarted: [] });

    const later = new Date(Date.now() + 60_000);
    utimesSync(csv, later, later);
    expect(await checkNow(dataset)).toEqual({ changed: false, versionId: version, started: [], alreadyStarted: [] });
    expect(await versionIds(dataset)).toEqual([]);
    expect(await pipelineCount(subscribed)).toBe(0);
  });
});

describe('the watch schedule follows the dataset spec', () => {
  it('is created with a readable memo, updated in place, and deleted when watch is removed', async () => {
    const dataset = unique('follow');
    const csv = await register(dataset, { every: '1m' });
    const handle = stack.client.schedule.getHandle(datasetWatchScheduleId(dataset));
    const created = await handle.describe();
    expect(created.spec.intervals?.map((i) => i.every)).toEqual([60_000]);
    expect(created.policies.overlap).toBe('SKIP');
    expect(created.typedSearchAttributes.get(KilnKind)).toBe('dataset-watch');
    expect(String(created.memo?.kiln)).toContain(`dataset "${dataset}"`);

    await client.applyDataset({ name: dataset, path: csv, target_column: 'label', watch: { every: '2m' } });
    const updated = await handle.describe();
    expect(updated.spec.intervals?.map((i) => i.every)).toEqual([120_000]);
    expect(updated.info.createdAt).toEqual(created.info.createdAt);

    await client.applyDataset({ name: dataset, path: csv, target_column: 'label' });
    await expect(handle.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });

  it('watch.every under 10 s answers 400 naming dataset.watch.every, and nothing is created', async () => {
    const dataset = unique('too-often');
    const csv = join(dataDir, `${dataset}.csv`);
    copyFileSync(join(PROBE, 'data', 'tiny.csv'), csv);
    const error = await client.applyDataset({ name: dataset, path: csv, target_column: 'label', watch: { every: '5s' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KilnApiError);
    expect((error as KilnApiError).status).toBe(400);
    expect((error as KilnApiError).fields?.map((f) => f.path)).toEqual(['dataset.watch.every']);
    expect(await stack.backends.metadata.datasets.get(dataset)).toBeUndefined();
    await expect(stack.client.schedule.getHandle(datasetWatchScheduleId(dataset)).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });
});

describe('watch schedules follow the specs across restarts', () => {
  it('the API recreates a watch schedule that Temporal lost, when it starts', async () => {
    const dataset = unique('reconciled');
    await register(dataset, { every: '1h' });
    await stack.client.schedule.getHandle(datasetWatchScheduleId(dataset)).delete();
    await stack.stop();
    stack = await startEmbeddedStack(config, { ephemeralApiPort: true });
    client = new KilnApiClient(stack.apiUrl!, { token: stack.adminToken });
    const described = await stack.client.schedule.getHandle(datasetWatchScheduleId(dataset)).describe();
    expect(described.spec.intervals?.[0]?.every).toBe(3_600_000);
  });
});
