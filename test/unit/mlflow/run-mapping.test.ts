import { describe, expect, it } from 'vitest';
import type { MetricRecord } from '../../../core/metadata/metrics-repository.js';
import type { RunRecord } from '../../../core/metadata/run-records.js';
import type { MlflowMetric } from '../../../core/mlflow/mlflow-client.js';
import { loadConfig } from '../../../core/config.js';
import { modelSource } from '../../../core/mlflow/mlflow-exporter.js';
import {
  batchLogRequests,
  LOG_BATCH_LIMITS,
  missingPoints,
  mlflowMetricKey,
  mlflowStatus,
  runMetrics,
  runParams,
  runTags,
} from '../../../core/mlflow/run-mapping.js';

const run: RunRecord = {
  id: 'run-1',
  project: 'iris',
  modelName: 'iris-model',
  workflowId: 'run-1',
  status: 'succeeded',
  params: { learning_rate: 0.1, batch_size: 32, epochs: 3, seed: 7, extras: { optimizer: 'adam', dropout: 0.2, warm: true } },
  policy: { timeout_seconds: 300, retry_count_limit: 0, auto_resume: false },
  environmentDigest: 'sha256:env',
  datasetVersion: 'ds-v1',
  sourceDigest: 'sha256:src',
  buildWaitMs: 0,
  error: null,
  failureClass: null,
  createdAt: 1,
  startedAt: 2,
  finishedAt: 3,
  resumedFrom: null,
  trigger: 'api',
  schedule: null,
};

const metric = (key: string, step: number, value = step / 10, timestamp = 1000): MlflowMetric => ({ key, step, value, timestamp });

describe('mapping a Kiln run onto MLflow', () => {
  it('flattens hyperparameters, extras under extras.<name>', () => {
    expect(runParams(run.params)).toEqual([
      { key: 'learning_rate', value: '0.1' },
      { key: 'batch_size', value: '32' },
      { key: 'epochs', value: '3' },
      { key: 'seed', value: '7' },
      { key: 'extras.optimizer', value: 'adam' },
      { key: 'extras.dropout', value: '0.2' },
      { key: 'extras.warm', value: 'true' },
    ]);
  });

  it('tags identity and lineage, leaving out what the run lacks', () => {
    const tags = Object.fromEntries(runTags(run).map((t) => [t.key, t.value]));
    expect(tags).toEqual({
      'kiln.run_id': 'run-1',
      'kiln.project': 'iris',
      'kiln.model_name': 'iris-model',
      'kiln.status': 'succeeded',
      'kiln.trigger': 'api',
      'kiln.dataset_version': 'ds-v1',
      'kiln.source_digest': 'sha256:src',
      'kiln.environment_digest': 'sha256:env',
    });
  });

  it.each([
    ['succeeded', 'FINISHED'],
    ['rejected', 'FINISHED'],
    ['failed', 'FAILED'],
    ['cancelled', 'KILLED'],
  ] as const)('ends a %s run as %s', (status, expected) => {
    expect(mlflowStatus(status)).toBe(expected);
  });

  it('keys metrics by stage and name, a stepless point at step 0, stamped when Kiln recorded it', () => {
    const points: MetricRecord[] = [
      { runId: 'run-1', stage: 'train', name: 'loss', step: 3, epoch: 1, value: 0.5, recordedAt: 111 },
      { runId: 'run-1', stage: 'evaluate', name: 'accuracy', step: null, epoch: null, value: 0.9, recordedAt: 222 },
    ];
    expect(runMetrics(points)).toEqual([
      { key: 'train/loss', value: 0.5, timestamp: 111, step: 3 },
      { key: 'evaluate/accuracy', value: 0.9, timestamp: 222, step: 0 },
    ]);
  });

  it('replaces characters MLflow refuses in keys and cuts them at 250', () => {
    expect(mlflowMetricKey('train', 'top-5 acc (val)@k=5')).toBe('train/top-5 acc _val__k_5');
    expect(mlflowMetricKey('train', 'x'.repeat(300))).toHaveLength(250);
  });

  it('sends a file-store model as kiln:///<key> (MLflow refuses local paths) and an s3 URI as it is', () => {
    expect(modelSource('file:///data/artifacts/runs/r1/train/outputs', 'runs/r1/train/outputs')).toBe('kiln:///runs/r1/train/outputs');
    expect(modelSource('s3://bucket/runs/r1/train/outputs', 'runs/r1/train/outputs')).toBe('s3://bucket/runs/r1/train/outputs');
  });
});

describe('batching log-batch requests', () => {
  it('keeps every request within 1000 metrics, 100 params and 100 tags, and loses nothing', () => {
    const metrics = Array.from({ length: 2_345 }, (_, i) => metric('train/loss', i));
    const params = Array.from({ length: 150 }, (_, i) => ({ key: `p${i}`, value: String(i) }));
    const tags = Array.from({ length: 30 }, (_, i) => ({ key: `t${i}`, value: String(i) }));
    const batches = batchLogRequests({ metrics, params, tags });
    expect(batches).toHaveLength(3);
    for (const batch of batches) {
      expect(batch.metrics.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.metrics);
      expect(batch.params.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.params);
      expect(batch.tags.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.tags);
    }
    expect(batches.flatMap((b) => b.metrics)).toEqual(metrics);
    expect(batches.flatMap((b) => b.params)).toEqual(params);
    expect(batches.flatMap((b) => b.tags)).toEqual(tags);
  });

  it('makes one request for a small run and none for nothing', () => {
    expect(batchLogRequests({ metrics: [metric('a', 1)], params: [], tags: [] })).toHaveLength(1);
    expect(batchLogRequests({ metrics: [], params: [], tags: [] })).toEqual([]);
  });
});

describe('points missing from MLflow', () => {
  it('are those not already there with the same key, step, timestamp and value', () => {
    const wanted = [metric('a', 1), metric('a', 2), metric('b', 1), metric('a', 3, 0.3, 2000)];
    const present = [metric('a', 1), metric('b', 1, 0.9), metric('a', 3, 0.3, 1000)];
    expect(missingPoints(wanted, present)).toEqual([metric('a', 2), metric('b', 1), metric('a', 3, 0.3, 2000)]);
  });
});

describe('KILN_MLFLOW_URL', () => {
  it('turns the export on, with the token variables beside it', () => {
    const env = { KILN_MLFLOW_URL: 'http://mlflow:5000', KILN_MLFLOW_TOKEN_FILE: '/run/secrets/mlflow' };
    expect(loadConfig({}, env).mlflow).toEqual({ url: 'http://mlflow:5000', token: undefined, tokenFile: '/run/secrets/mlflow', intervalMs: 10_000 });
  });

  it('unset or empty, exports nothing', () => {
    expect(loadConfig({}, {}).mlflow).toBeUndefined();
    expect(loadConfig({}, { KILN_MLFLOW_URL: '' }).mlflow).toBeUndefined();
  });

  it('refuses what is not an http(s) URL, naming the variable', () => {
    expect(() => loadConfig({}, { KILN_MLFLOW_URL: 'mlflow:5000' })).toThrow(/^KILN_MLFLOW_URL: expected an http\(s\) URL/);
  });
});
