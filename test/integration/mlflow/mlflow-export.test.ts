/**
 * The MLflow export against a real `mlflow server` (SQLite backend store): a Kiln pipeline run
 * on the embedded stack shows up in MLflow with its params, lineage tags, end state and every
 * metric point exactly as Kiln recorded it; its model version and aliases are registered and
 * follow Kiln's moves; an export redone after an interruption duplicates nothing; and runs
 * finished while MLflow was down are exported once it is back. MLflow is reached through a
 * TCP gate the test can close, at the address KILN_MLFLOW_URL names.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applySpecFile, readSpecFile } from '../../../api/cli/apply-file.js';
import type { KilnApiClient } from '../../../api/client/kiln-api-client.js';
import { homePaths, INSTALL_DIR } from '../../../core/config.js';
import { openSqliteDatabase } from '../../../core/metadata/sqlite/sqlite-database.js';
import { mlflowMetricKey, runParams } from '../../../core/mlflow/run-mapping.js';
import { freePort } from '../../../core/net/free-port.js';
import type { EmbeddedStack } from '../../../workers/embedded-stack.js';
import { mlflowReader } from '../../support/mlflow-reader.js';
import { eventually } from '../../support/process-check.js';
import { tcpGate, type TcpGate } from '../../support/tcp-gate.js';
import { startTestStack } from '../../support/test-stack.js';
import { runToEnd } from '../../support/wait-for-run.js';

const MODEL = 'tracked-model';
let stack: EmbeddedStack;
let client: KilnApiClient;
let home: string;
let gate: TcpGate;
let runId: string;
const mlflow = mlflowReader(inject('mlflowUrl'));

const exported = (id: string) => stack.backends.metadata.mlflowExports.exportedRun(id);
async function untilExported(id: string): Promise<string> {
  expect(await eventually(async () => (await exported(id)) !== undefined, 60_000, 250)).toBe(true);
  return (await exported(id))!;
}

/** Kiln's metric series of a run, by MLflow key, each point as MLflow holds one. */
async function kilnSeries(id: string): Promise<Map<string, { step: number; value: number; timestamp: number }[]>> {
  const series = new Map<string, { step: number; value: number; timestamp: number }[]>();
  for (const point of await stack.backends.metadata.metrics.forRun(id)) {
    const key = mlflowMetricKey(point.stage, point.name);
    series.set(key, [...(series.get(key) ?? []), { step: point.step ?? 0, value: point.value, timestamp: point.recordedAt }]);
  }
  return series;
}

async function mlflowSeries(mlflowRunId: string, key: string) {
  const points = await mlflow.history(mlflowRunId, key);
  return points
    .map((p) => ({ step: Number(p.step), value: p.value, timestamp: Number(p.timestamp) }))
    .sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
}

async function expectSeriesEqual(id: string, mlflowRunId: string): Promise<void> {
  const series = await kilnSeries(id);
  for (const [key, points] of series) {
    expect({ key, points: await mlflowSeries(mlflowRunId, key) }).toEqual({ key, points: points.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp) });
  }
  const [run] = await mlflow.runsOf(await mlflow.experimentId('tracked'), id);
  expect((run?.data.metrics ?? []).map((m) => m.key).sort()).toEqual([...series.keys()].sort());
}

/** What the MLflow aliases of the model point at, as Kiln version numbers (through the versions' kiln.version tags). */
async function mlflowAliases(): Promise<Record<string, number>> {
  const versions = await mlflow.versions(MODEL);
  const kilnVersion = new Map(versions.map((v) => [v.version, Number(v.tags?.find((t) => t.key === 'kiln.version')?.value)]));
  const model = await mlflow.registeredModel(MODEL);
  return Object.fromEntries((model.aliases ?? []).map((a) => [a.alias, kilnVersion.get(a.version)!]));
}

function sameAliases(a: Record<string, number>, b: Record<string, number>): boolean {
  const sorted = (x: Record<string, number>) => JSON.stringify(Object.entries(x).sort());
  return sorted(a) === sorted(b);
}

async function kilnAliases(): Promise<Record<string, number>> {
  return Object.fromEntries((await stack.backends.metadata.aliases.list(MODEL)).map((a) => [a.alias, a.version]));
}

beforeAll(async () => {
  const target = new URL(inject('mlflowUrl'));
  gate = tcpGate(await freePort(), { host: target.hostname, port: Number(target.port) });
  await gate.open();
  let config;
  ({ stack, client, config } = await startTestStack('mlflow', {
    mlflow: { url: `http://127.0.0.1:${gate.port}`, token: undefined, tokenFile: undefined, intervalMs: 500 },
  }));
  home = config.home;
  await applySpecFile(client, readSpecFile(join(INSTALL_DIR, 'test', 'fixtures', 'tracked', 'kiln.json')));
  const run = await runToEnd(client, { project: 'tracked' }, 150_000);
  expect(run.status).toBe('succeeded');
  runId = run.runId;
}, 240_000);
afterAll(async () => {
  await stack?.stop();
  await gate?.close();
});

describe('a finished Kiln run in MLflow', () => {
  it("is one run in the project's experiment, named by the Kiln run, with its params, lineage tags and end state", async () => {
    const mlflowRunId = await untilExported(runId);
    const runs = await mlflow.runsOf(await mlflow.experimentId('tracked'), runId);
    expect(runs.map((r) => r.info.run_id)).toEqual([mlflowRunId]);
    const [run] = runs;
    const kiln = (await stack.backends.metadata.runs.getRun(runId))!;
    expect(run!.info.run_name).toBe(runId);
    expect(run!.info.status).toBe('FINISHED');
    expect(Number(run!.info.end_time)).toBe(kiln.finishedAt);
    const params = Object.fromEntries((run!.data.params ?? []).map((p) => [p.key, p.value]));
    expect(params).toEqual(Object.fromEntries(runParams(kiln.params).map((p) => [p.key, p.value])));
    expect(params).toMatchObject({ learning_rate: '0.05', epochs: '3', 'extras.steps': '40', 'extras.optimizer': 'adam' });
    const tags = Object.fromEntries((run!.data.tags ?? []).map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({
      'kiln.run_id': runId,
      'kiln.project': 'tracked',
      'kiln.model_name': MODEL,
      'kiln.status': 'succeeded',
      'kiln.trigger': 'api',
      'kiln.dataset_version': kiln.datasetVersion!,
      'kiln.source_digest': kiln.sourceDigest!,
      'kiln.environment_digest': kiln.environmentDigest!,
    });
  });

  it('holds every metric series point by point as Kiln recorded it', async () => {
    const mlflowRunId = await untilExported(runId);
    const series = await kilnSeries(runId);
    // The fixture's series, so an export that dropped a stage or a step could not pass.
    expect(series.get('train/loss')).toHaveLength(40);
    expect(series.get('train/grad_norm')).toHaveLength(40);
    expect([...series.keys()].sort()).toEqual(['evaluate/accuracy', 'evaluate/f1', 'train/grad_norm', 'train/loss', 'train/train_seconds']);
    await expectSeriesEqual(runId, mlflowRunId);
  });

  it("registers the run's model version, linked to the MLflow run, with the aliases Kiln has", async () => {
    const mlflowRunId = await untilExported(runId);
    const kilnVersion = (await stack.backends.metadata.models.list(MODEL)).find((v) => v.runId === runId)!;
    expect(await eventually(async () => (await mlflow.versions(MODEL)).length > 0, 30_000, 250)).toBe(true);
    const [version, ...others] = await mlflow.versions(MODEL);
    expect(others).toEqual([]);
    expect(version!.run_id).toBe(mlflowRunId);
    expect(version!.source).toBe(`kiln:///${kilnVersion.artifactPrefix}`);
    expect(Object.fromEntries((version!.tags ?? []).map((t) => [t.key, t.value]))).toMatchObject({
      'kiln.version': String(kilnVersion.version),
      'kiln.run_id': runId,
      'kiln.dataset_version': kilnVersion.datasetVersion!,
    });
    expect(await kilnAliases()).toEqual({ champion: kilnVersion.version });
    expect(await eventually(async () => (await mlflowAliases()).champion === kilnVersion.version, 30_000, 250)).toBe(true);
  });

  it('sets, and removes, an alias in MLflow as Kiln sets and removes it', async () => {
    await untilExported(runId);
    const version = (await stack.backends.metadata.models.list(MODEL)).find((v) => v.runId === runId)!.version;
    await client.setAlias(MODEL, { alias: 'staging', version });
    expect(await eventually(async () => (await mlflowAliases()).staging === version, 30_000, 250)).toBe(true);
    await client.deleteAlias(MODEL, 'staging');
    expect(await eventually(async () => !('staging' in (await mlflowAliases())), 30_000, 250)).toBe(true);
    expect(await mlflowAliases()).toEqual(await kilnAliases());
  });

  it('is exported once: a pass with nothing new sends nothing, and one redone after a crash duplicates nothing', async () => {
    const mlflowRunId = await untilExported(runId);
    expect(await stack.mlflowExport!.exportNow()).toEqual({ runs: 0, versions: 0, aliases: 0, failed: 0 });
    // As if the worker died right after creating the MLflow run and logging into it, before recording anything.
    const database = await openSqliteDatabase(homePaths(home).database);
    try {
      await database.db.updateTable('mlflow_run_exports').set({ mlflow_run_id: null, exported_at: null }).where('run_id', '=', runId).execute();
      await database.db.deleteFrom('mlflow_model_exports').execute();
    } finally {
      await database.close();
    }
    expect(await exported(runId)).toBeUndefined();
    await untilExported(runId);
    expect(await exported(runId)).toBe(mlflowRunId);
    expect((await mlflow.runsOf(await mlflow.experimentId('tracked'), runId)).map((r) => r.info.run_id)).toEqual([mlflowRunId]);
    await expectSeriesEqual(runId, mlflowRunId);
    expect(await eventually(async () => (await stack.mlflowExport!.exportNow())?.versions === 0, 10_000, 250)).toBe(true);
    expect((await mlflow.versions(MODEL)).length).toBe(1);
  });
});

describe('while MLflow is down', () => {
  it('runs finish as usual and are exported once MLflow is back', async () => {
    await gate.close();
    const run = await runToEnd(client, { project: 'tracked', params: { extras: { steps: 25 } } }, 150_000);
    expect(run.status).toBe('succeeded');
    // Several passes failed meanwhile (interval 500 ms); the run waited for none of them.
    await new Promise((r) => setTimeout(r, 1_500));
    await expect(stack.mlflowExport!.exportNow()).rejects.toThrow(/mlflow/i);
    expect(await exported(run.runId)).toBeUndefined();
    await gate.open();
    const mlflowRunId = await untilExported(run.runId);
    expect((await mlflow.runsOf(await mlflow.experimentId('tracked'), run.runId)).map((r) => r.info.run_id)).toEqual([mlflowRunId]);
    expect((await kilnSeries(run.runId)).get('train/loss')).toHaveLength(25);
    await expectSeriesEqual(run.runId, mlflowRunId);
    expect(await eventually(async () => sameAliases(await mlflowAliases(), await kilnAliases()), 30_000, 250)).toBe(true);
  });
});
