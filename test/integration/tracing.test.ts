/**
 * OpenTelemetry traces of one run on a live stack (real Temporal, real stage processes),
 * received over OTLP/HTTP by a receiver in this process: the API request is the root; the
 * workflow start, the workflow, its activities, each stage's span and the Python SDK's
 * preprocess/train/evaluate spans hang below it, in one trace.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import type { KilnApiClient } from '../../api/client/kiln-api-client.js';
import { INSTALL_DIR } from '../../core/config.js';
import { kilnTracing } from '../../core/tracing/kiln-tracing.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { startOtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { eventually } from '../support/process-check.js';
import { startTestStack } from '../support/test-stack.js';
import { waitForRun } from '../support/wait-for-run.js';

const STAGES = ['preprocess', 'train', 'evaluate'] as const;
const SERVER = 2;

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let stack: EmbeddedStack;
let client: KilnApiClient;
let adminToken: string;
let runId: string;
let trace: ReceivedSpan[];

const named = (name: string) => trace.filter((s) => s.name === name);
const one = (name: string) => {
  const found = named(name);
  expect(
    found.map((s) => s.name),
    name,
  ).toEqual([name]);
  return found[0]!;
};
const parentOf = (span: ReceivedSpan) => trace.find((s) => s.spanId === span.parentSpanId);

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  ({ stack, client } = await startTestStack('tracing', { tracing: { endpoint: receiver.url, serviceName: 'kiln-under-test' } }));
  adminToken = stack.adminToken!;
  const specs = readSpecFile(join(INSTALL_DIR, 'test', 'fixtures', 'sleepy', 'kiln.json'));
  await applySpecFile(client, specs);
  await client.applyProject({
    ...specs.project!,
    name: 'sleepy-traced',
    entrypoints: { preprocess: 'stages.py:preprocess', train: 'stages.py:train', evaluate: 'stages.py:evaluate' },
  });
  ({ run_id: runId } = await client.startRun({ project: 'sleepy-traced', cache: false }));
  expect((await waitForRun(client, runId, 90_000)).status).toBe('succeeded');
  // The workflow's own span ends with it, after the run record says succeeded; spans leave in batches.
  // Not asserted here: a missing span must fail the tests that need it, not skip them all.
  await eventually(
    async () => {
      await kilnTracing().flush();
      const root = receiver.spans.find((s) => s.name === 'POST /v1/runs');
      trace = root ? receiver.spans.filter((s) => s.traceId === root.traceId) : [];
      return trace.some((s) => s.name === 'RunWorkflow:pipelineWorkflow') && STAGES.every((stage) => trace.some((s) => s.name === stage));
    },
    30_000,
    500,
  );
}, 240_000);
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

describe("one run's trace", () => {
  it('reaches the OTLP endpoint as JSON over HTTP', () => {
    expect(receiver.requests.length).toBeGreaterThan(0);
    expect(new Set(receiver.requests)).toEqual(new Set(['POST /v1/traces application/json']));
    expect(trace.length, `spans received: ${receiver.spans.map((s) => s.name).join(', ')}`).toBeGreaterThan(0);
  });

  it('starts at the API request, a server span without a parent, from the configured service', () => {
    const root = one('POST /v1/runs');
    expect(root).toMatchObject({ kind: SERVER, parentSpanId: undefined, service: 'kiln-under-test' });
    expect(root.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/v1/runs', 'http.response.status_code': 202 });
  });

  it('has the workflow start below the request and the workflow below its start', () => {
    const start = one('StartWorkflow:pipelineWorkflow');
    expect(parentOf(start)?.name).toBe('POST /v1/runs');
    const workflow = one('RunWorkflow:pipelineWorkflow');
    expect(parentOf(workflow)?.name).toBe('StartWorkflow:pipelineWorkflow');
    expect(workflow.attributes).toMatchObject({ workflowType: 'pipelineWorkflow', workflowId: runId });
  });

  it("has each stage activity below the workflow, the stage's span below it and the SDK's span below that", () => {
    for (const stage of STAGES) {
      const sdk = one(stage);
      const stageSpan = parentOf(sdk);
      expect(stageSpan?.name, stage).toBe(`stage:${stage}`);
      expect(stageSpan?.attributes).toMatchObject({ 'kiln.run_id': runId, 'kiln.stage': stage, 'kiln.attempt': 1 });
      const activity = parentOf(stageSpan!);
      expect(activity?.name, stage).toBe('RunActivity:runStage');
      const scheduled = parentOf(activity!);
      expect(scheduled?.name, stage).toBe('StartActivity:runStage');
      expect(parentOf(scheduled!)?.name, stage).toBe('RunWorkflow:pipelineWorkflow');
      expect(sdk.status.code ?? 0, stage).not.toBe(2);
    }
    expect(named('RunActivity:runStage').length).toBe(STAGES.length);
  });

  it('is one tree: every span but the root has its parent in the same trace', () => {
    const ids = new Set(trace.map((s) => s.spanId));
    expect(trace.filter((s) => s.parentSpanId === undefined).map((s) => s.name)).toEqual(['POST /v1/runs']);
    expect(trace.filter((s) => s.parentSpanId !== undefined && !ids.has(s.parentSpanId)).map((s) => s.name)).toEqual([]);
    expect(new Set(trace.map((s) => s.traceId)).size).toBe(1);
  });

  it('carries no secret: no token, no workflow memo or search attributes', () => {
    const text = JSON.stringify(receiver.spans);
    expect(text).not.toContain(adminToken);
    for (const span of named('RunWorkflow:pipelineWorkflow')) expect(Object.keys(span.attributes)).not.toEqual(expect.arrayContaining(['memo']));
    expect(trace.some((s) => 'searchAttributes' in s.attributes || 'memo' in s.attributes)).toBe(false);
  });
});
