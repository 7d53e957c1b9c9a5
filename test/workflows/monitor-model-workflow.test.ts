/**
 * monitorModelWorkflow on the real Temporal dev server with test-double activities: a stable
 * window only reports; a drifted one starts one retraining run however often the window is
 * monitored; an alert is posted (by the real activity, to a local receiver) signed and retried.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities/activity-deps.js';
import { createMonitoringActivities, driftRunId, signatureOf, SIGNATURE_HEADER, type MonitorWindow } from '../../activities/monitoring.js';
import { FilesystemArtifactStore } from '../../core/artifacts/filesystem-store.js';
import type { MonitoringReport } from '../../core/monitoring/report/monitoring-report.js';
import { putMonitoringReport } from '../../core/monitoring/report/report-store.js';
import { startPipelineRunOnce } from '../../core/runs/start-pipeline.js';
import { MonitoringSpec } from '../../core/specs/monitoring.js';
import type { MonitorModelInput, monitorModelWorkflow } from '../../workflows/monitor-model.js';
import {
  fakeActivities,
  installQuietRuntime,
  monitoringReported,
  pipelineInput,
  uniqueId,
  useTemporalEnv,
  withWorker,
  type TemporalEnv,
} from './workflow-harness.js';

installQuietRuntime();

const env = useTemporalEnv();
const HOUR = 3_600_000;

function runMonitor(e: TemporalEnv, taskQueue: string, input: MonitorModelInput) {
  return e.client.workflow.execute<typeof monitorModelWorkflow>('monitorModelWorkflow', {
    taskQueue,
    workflowId: uniqueId(`kiln-monitor-${input.model}`),
    args: [input],
    workflowExecutionTimeout: e.workflowExecutionTimeout,
  });
}

describe('monitorModelWorkflow: a stable window', () => {
  it('writes the report of the window ending at the latest fire time and does nothing else', async () => {
    const fakes = fakeActivities();
    const before = Date.now();
    const result = await withWorker(env, fakes.activities, (q) => runMonitor(env, q, { project: 'iris', model: 'iris', intervalMs: HOUR }));
    expect(fakes.names()).toEqual(['writeMonitoringReport']);
    const end = Date.parse(result.windowEnd);
    // The schedule's fire time this run belongs to: a multiple of the interval, at most one interval back.
    expect(end % HOUR).toBe(0);
    expect(end).toBeLessThanOrEqual(Date.now());
    expect(end).toBeGreaterThan(before - HOUR - 5000);
    expect(fakes.inputsOf('writeMonitoringReport')).toEqual([{ project: 'iris', model: 'iris', windowEnd: result.windowEnd }]);
    expect(result).toMatchObject({ outcome: { status: 'reported', drifted: false } });
    expect(result.retrain).toBeUndefined();
  });

  it('does nothing more when the window was skipped (the model is not served)', async () => {
    const fakes = fakeActivities({ writeMonitoringReport: async () => ({ status: 'skipped', reason: 'model iris is not served' }) });
    const result = await withWorker(env, fakes.activities, (q) => runMonitor(env, q, { project: 'iris', model: 'iris', intervalMs: HOUR }));
    expect(fakes.names()).toEqual(['writeMonitoringReport']);
    expect(result.outcome).toEqual({ status: 'skipped', reason: 'model iris is not served' });
  });
});

describe('monitorModelWorkflow: on_drift retrain', () => {
  it('starts one retraining run per drifted window: a second monitor run of the same window finds it started', async () => {
    const project = uniqueId('iris');
    const windowEnd = '2025-03-01T12:00:00.000Z';
    const fakes = fakeActivities({
      writeMonitoringReport: async (input: MonitorWindow) => monitoringReported(input.windowEnd, { drifted: true, onDrift: 'retrain' }),
      // The real start: a pipeline run (on the happy fakes) under the window's deterministic id.
      startDriftRetrain: async (input: MonitorWindow) => {
        const { runId: _unused, ...resolved } = pipelineInput({ project: { name: input.project } });
        const runId = driftRunId(input.project, input.model, input.windowEnd);
        return startPipelineRunOnce(Context.current().client, Context.current().info.taskQueue, {
          runId,
          ...resolved,
          trigger: { kind: 'drift', driftWindowEnd: input.windowEnd },
        });
      },
    });
    const input = { project, model: project, intervalMs: HOUR, windowEnd };
    const [first, second, triggered] = await withWorker(env, fakes.activities, async (q) => {
      const first = await runMonitor(env, q, input);
      const second = await runMonitor(env, q, input);
      const run = env.client.workflow.getHandle(first.retrain!.runId);
      await run.result();
      return [first, second, (await run.describe()).typedSearchAttributes] as const;
    });
    const runId = driftRunId(project, project, windowEnd);
    expect(first.retrain).toEqual({ runId, existing: false });
    expect(second.retrain).toEqual({ runId, existing: true });
    expect(triggered.get({ name: 'KilnTrigger', type: 'KEYWORD' } as never)).toBe('drift');
    expect(fakes.inputsOf('startDriftRetrain')).toEqual([
      { project, model: project, windowEnd },
      { project, model: project, windowEnd },
    ]);
    expect(fakes.names()).not.toContain('sendDriftAlert');
    // Another window is another run.
    expect(driftRunId(project, project, '2025-03-01T13:00:00.000Z')).not.toBe(runId);
  });
});

describe('monitorModelWorkflow: on_drift alert, with the real sendDriftAlert', () => {
  const received: { signature: string | undefined; body: string }[] = [];
  let answers = [503, 204];
  let url = '';
  let root = '';
  const server = createServer(async (request: IncomingMessage, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    received.push({ signature: request.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined, body });
    response.writeHead(answers.shift() ?? 204).end();
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/drift`;
    root = mkdtempSync(join(tmpdir(), 'kiln-monitor-alert-'));
  });
  afterAll(async () => {
    server.close();
    rmSync(root, { recursive: true, force: true });
    delete process.env.KILN_TEST_DRIFT_SECRET;
  });

  it('posts the report signed with HMAC-SHA256 of the body, retrying after the receiver fails', async () => {
    answers = [503, 204];
    process.env.KILN_TEST_DRIFT_SECRET = 'shh-not-in-history';
    const artifacts = new FilesystemArtifactStore(join(root, 'artifacts'));
    const monitoring = MonitoringSpec.parse({ on_drift: 'alert', alert: { url, secret_env: 'KILN_TEST_DRIFT_SECRET' } });
    const windowEnd = '2025-03-01T12:00:00.000Z';
    const reportKey = await putMonitoringReport(artifacts, fullReport(windowEnd));
    const deps = { artifacts, metadata: { projects: { get: async () => ({ spec: { monitoring } }) } } } as unknown as ActivityDeps;
    const real = createMonitoringActivities(deps);
    const fakes = fakeActivities({
      writeMonitoringReport: async (input: MonitorWindow) => ({ ...monitoringReported(input.windowEnd, { drifted: true, onDrift: 'alert' }), reportKey }),
      sendDriftAlert: real.sendDriftAlert,
    });
    const result = await withWorker(env, fakes.activities, (q) => runMonitor(env, q, { project: 'iris', model: 'iris', intervalMs: HOUR, windowEnd }));

    expect(result.alerted).toEqual({ status: 204 });
    expect(fakes.calls.filter((c) => c.name === 'sendDriftAlert').map((c) => c.attempt)).toEqual([1, 2]);
    expect(received).toHaveLength(2);
    for (const { signature, body } of received) {
      expect(signature).toBe(signatureOf(body, 'shh-not-in-history'));
      expect(JSON.parse(body)).toMatchObject({ kind: 'kiln.monitoring.drift', project: 'iris', report_key: reportKey, report: { drifted: true } });
    }
    expect(fakes.names()).not.toContain('startDriftRetrain');
  }, 60_000);
});

function fullReport(windowEnd: string): MonitoringReport {
  return {
    model: 'iris',
    window: { from: '2025-03-01T11:00:00.000Z', to: windowEnd },
    serving_version: 7,
    versions: [7],
    reference: { dataset: 'iris', version: 'iris-3f2a9c1b' },
    predictions: 1000,
    drifted: true,
    drifted_features: ['petal_length'],
    features: [],
    unknown_features: [],
    quality: { live: { task: 'unknown', samples: 0 }, test_metrics: { accuracy: 0.95 } },
    on_drift: 'alert',
    created_at: windowEnd,
  };
}
