import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMetadataStore, type MetadataStore } from '../../../core/metadata/metadata-store.js';
import type { MlflowClient, MlflowKeyValue, MlflowMetric } from '../../../core/mlflow/mlflow-client.js';
import { MlflowRequestError } from '../../../core/mlflow/mlflow-errors.js';
import { MlflowExporter } from '../../../core/mlflow/mlflow-exporter.js';
import { Hyperparameters } from '../../../core/specs/hyperparameters.js';
import { RunPolicy } from '../../../core/specs/run-policy.js';

/** An MLflow tracking server in memory, keeping the calls the exporter made. */
class FakeMlflow {
  readonly runs = new Map<string, { tags: MlflowKeyValue[]; metrics: MlflowMetric[]; status?: string }>();
  readonly calls: string[] = [];
  /** Set: every call fails as this error. */
  failWith: MlflowRequestError | undefined;
  private next = 0;

  private call(name: string): void {
    this.calls.push(name);
    if (this.failWith) throw this.failWith;
  }
  async ensureExperiment(): Promise<string> {
    this.call('ensureExperiment');
    return '1';
  }
  async searchRunsByTag(_experimentId: string, key: string, value: string): Promise<string[]> {
    this.call('searchRunsByTag');
    return [...this.runs].filter(([, run]) => run.tags.some((t) => t.key === key && t.value === value)).map(([id]) => id);
  }
  async createRun(input: { tags: MlflowKeyValue[] }): Promise<string> {
    this.call('createRun');
    const id = `mlflow-${++this.next}`;
    this.runs.set(id, { tags: input.tags, metrics: [] });
    return id;
  }
  async logBatch(runId: string, batch: { metrics?: MlflowMetric[] }): Promise<void> {
    this.call('logBatch');
    if ((batch.metrics?.length ?? 0) > 1000) throw new Error('over the limit');
    this.runs.get(runId)!.metrics.push(...(batch.metrics ?? []));
  }
  async updateRun(runId: string, status: string): Promise<void> {
    this.call('updateRun');
    this.runs.get(runId)!.status = status;
  }
  async metricHistory(runId: string, key: string): Promise<MlflowMetric[]> {
    this.call('metricHistory');
    return this.runs.get(runId)!.metrics.filter((m) => m.key === key);
  }
  async ensureRegisteredModel(): Promise<void> {}
  async modelVersionsOfRun(): Promise<string[]> {
    return [];
  }
  async createModelVersion(): Promise<string> {
    return '1';
  }
  async setAlias(): Promise<void> {}
  async deleteAlias(): Promise<void> {}
}

let root: string;
let metadata: MetadataStore;
let mlflow: FakeMlflow;
let exporter: MlflowExporter;
let refusals: MlflowRequestError[];

async function finishedRun(id: string, steps: number, status: 'succeeded' | 'running' = 'succeeded'): Promise<void> {
  await metadata.runs.createRun({ id, project: 'fraud', modelName: 'fraud', workflowId: id, params: Hyperparameters.parse({}), policy: RunPolicy.parse({}) });
  const points = Array.from({ length: steps }, (_, i) => ({ name: 'loss', value: 1 / (i + 1), step: i + 1 }));
  await metadata.metrics.recordMany(id, 'train', points);
  await metadata.metrics.recordMany(id, 'evaluate', [{ name: 'accuracy', value: 0.9 }]);
  await metadata.runs.updateRun(id, { status, finishedAt: status === 'running' ? null : 5_000 });
}

const pointsOf = (id: string) => [...mlflow.runs.values()].filter((r) => r.tags.some((t) => t.value === id)).flatMap((r) => r.metrics);

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'kiln-mlflow-exporter-'));
  metadata = await openMetadataStore({ sqlitePath: join(root, 'kiln.sqlite') });
  mlflow = new FakeMlflow();
  refusals = [];
  exporter = new MlflowExporter({
    metadata,
    artifacts: { uri: (key) => `file:///a/${key}` },
    client: mlflow as unknown as MlflowClient,
    backoffMs: 60_000,
    onRefused: (error) => refusals.push(error),
  });
});
afterEach(async () => {
  await metadata.close();
  rmSync(root, { recursive: true, force: true });
});

describe('exporting finished runs', () => {
  it('exports each finished run once, every point in batches MLflow accepts, and leaves running ones for later', async () => {
    await finishedRun('done', 2_500);
    await finishedRun('busy', 3, 'running');
    expect(await exporter.exportPending()).toEqual({ runs: 1, versions: 0, aliases: 0, failed: 0 });
    expect(mlflow.runs.size).toBe(1);
    expect(pointsOf('done')).toHaveLength(2_501);
    expect(mlflow.calls.filter((c) => c === 'logBatch')).toHaveLength(3);
    expect([...mlflow.runs.values()][0]!.status).toBe('FINISHED');
    mlflow.calls.length = 0;
    expect(await exporter.exportPending()).toEqual({ runs: 0, versions: 0, aliases: 0, failed: 0 });
    expect(mlflow.calls).toEqual([]);
  });

  it('after an interruption, finds the MLflow run by its kiln.run_id tag and sends only the points it lacks', async () => {
    await finishedRun('cut', 10);
    // An earlier attempt created the run and logged three points, then died before recording anything.
    const all = (await metadata.metrics.forRun('cut')).filter((p) => p.stage === 'train');
    const sent = all.slice(0, 3).map((p) => ({ key: 'train/loss', value: p.value, timestamp: p.recordedAt, step: p.step! }));
    mlflow.runs.set('earlier', { tags: [{ key: 'kiln.run_id', value: 'cut' }], metrics: sent });
    expect((await exporter.exportPending()).runs).toBe(1);
    expect(mlflow.calls).not.toContain('createRun');
    const points = pointsOf('cut');
    expect(points).toHaveLength(11);
    expect(new Set(points.map((p) => `${p.key}@${p.step}`)).size).toBe(11);
    expect(await metadata.mlflowExports.exportedRun('cut')).toBe('earlier');
  });

  it('holds back a run MLflow refuses, without holding back the others', async () => {
    await finishedRun('refused', 1);
    await finishedRun('fine', 1);
    const createRun = mlflow.createRun.bind(mlflow);
    // By the run, not by call order: both runs end in the same millisecond, so either may go first.
    mlflow.createRun = async (input) => {
      if (JSON.stringify(input).includes('refused')) throw new MlflowRequestError('run "refused"', 400, 'INVALID_PARAMETER_VALUE', 'no');
      return createRun(input);
    };
    expect(await exporter.exportPending()).toMatchObject({ runs: 1, failed: 1 });
    expect(refusals.map((e) => e.resource)).toEqual(['run "refused"']);
    expect(await metadata.mlflowExports.exportedRun('fine')).toBeDefined();
    // Within its backoff the refused run is not tried again.
    expect(await exporter.exportPending()).toMatchObject({ runs: 0, failed: 0 });
    expect(await metadata.mlflowExports.exportedRun('refused')).toBeUndefined();
  });

  it('ends the pass when MLflow does not answer, counting it against no run', async () => {
    await finishedRun('waiting', 1);
    mlflow.failWith = new MlflowRequestError('experiment "fraud"', undefined, undefined, 'did not answer');
    await expect(exporter.exportPending()).rejects.toThrow(/did not answer/);
    expect(refusals).toEqual([]);
    mlflow.failWith = undefined;
    expect((await exporter.exportPending()).runs).toBe(1);
  });
});

describe('the export lease', () => {
  it('lets one worker export at a time, and another take over once it lapses', async () => {
    const clock = { now: 1_000 };
    const timed = await openMetadataStore({ sqlitePath: join(root, 'leased.sqlite'), now: () => clock.now });
    try {
      expect(await timed.mlflowExports.acquireLease('worker-a', 30_000)).toBe(true);
      expect(await timed.mlflowExports.acquireLease('worker-b', 30_000)).toBe(false);
      clock.now += 20_000;
      expect(await timed.mlflowExports.acquireLease('worker-a', 30_000)).toBe(true);
      clock.now += 29_000;
      expect(await timed.mlflowExports.acquireLease('worker-b', 30_000)).toBe(false);
      clock.now += 2_000;
      expect(await timed.mlflowExports.acquireLease('worker-b', 30_000)).toBe(true);
      expect(await timed.mlflowExports.acquireLease('worker-a', 30_000)).toBe(false);
    } finally {
      await timed.close();
    }
  });
});
