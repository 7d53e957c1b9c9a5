/**
 * Shared pieces of the workflow-logic tests: the workflow bundle, connections to the real
 * Temporal dev server, a worker per test on its own task queue, realistic inputs built from
 * the zod specs, and test-double activities that record every call.
 *
 * No vitest imports here: test/workflows/record-histories.ts uses it outside vitest.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { Client, Connection, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { afterAll, beforeAll, inject } from 'vitest';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, type ReplayWorkerOptions, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities/activity-deps.js';
import type { EnvironmentRef } from '../../activities/environments.js';
import { createExperimentActivities } from '../../activities/experiments.js';
import { driftRunId, type MonitoringOutcome } from '../../activities/monitoring.js';
import type { KilnActivities } from '../../activities/index.js';
import type { StageInput, StageResult } from '../../activities/stages.js';
import { INSTALL_DIR } from '../../core/config.js';
import { DatasetSpec } from '../../core/specs/dataset.js';
import { durationMs } from '../../core/specs/duration.js';
import type { DriftAction } from '../../core/specs/monitoring.js';
import { EnvironmentSpec } from '../../core/specs/environment.js';
import { environmentDigest } from '../../core/specs/environment-digest.js';
import { ProjectSpec, type ProjectSpecInput } from '../../core/specs/project.js';
import { RunPolicy, type RunPolicyInput } from '../../core/specs/run-policy.js';
import { KilnKind, KilnModel, KilnProject, KilnRunStatus } from '../../core/temporal/search-attributes.js';
import { workflowBundleOptions } from '../../workers/workflow-bundle.js';
import { kilnTracing } from '../../core/tracing/kiln-tracing.js';
import { workflowTracingSinks } from '../../core/tracing/temporal-tracing.js';
import type { PipelineInput } from '../../workflows/pipeline-input.js';
import { pipelineWorkflow } from '../../workflows/pipeline.js';

/** Warning-level worker logs, installed once before any connection exists. */
export function installQuietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed in this process.
  }
}

const noop = () => {};
const quietBundlerLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };

const bundling = new Map<boolean, Promise<WorkflowBundle>>();

/**
 * Bundles Kiln's workflows from source, once per process and variant (a file with two servers
 * shares it): untraced by default, as a worker without an OTLP endpoint runs them.
 */
export function bundleKilnWorkflows({ traced = false }: { traced?: boolean } = {}): Promise<WorkflowBundle> {
  let bundle = bundling.get(traced);
  if (!bundle) bundling.set(traced, (bundle = bundleWorkflowCode({ ...workflowBundleOptions(INSTALL_DIR, { traced }), logger: quietBundlerLogger })));
  return bundle;
}

export interface TemporalEnv {
  address: string;
  bundle: WorkflowBundle;
  workerConnection: NativeConnection;
  clientConnection: Connection;
  client: Client;
  /**
   * The execution timeout of the workflows a test starts, so a hang fails the test instead of
   * stalling it: real time on the dev server, server time where time is skipped.
   */
  workflowExecutionTimeout: Duration;
  close(): Promise<void>;
}

export async function openTemporalEnv(address: string, bundle: WorkflowBundle): Promise<TemporalEnv> {
  const workerConnection = await NativeConnection.connect({ address });
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection, namespace: 'default' });
  return {
    address,
    bundle,
    workerConnection,
    clientConnection,
    client,
    workflowExecutionTimeout: '2 minutes',
    async close() {
      await clientConnection.close();
      await workerConnection.close();
    },
  };
}

/** The test file's connection to the shared dev server (see useOpenedEnv). */
export function useTemporalEnv(): TemporalEnv {
  return useOpenedEnv(async () => openTemporalEnv(inject('temporalAddress'), await bundleKilnWorkflows()));
}

/**
 * An environment opened before the file's tests and closed after them. The returned object
 * delegates to it, so a test file can hold it as a constant from its first line.
 */
export function useOpenedEnv<E extends TemporalEnv>(open: () => Promise<E>): E {
  let opened: E | undefined;
  beforeAll(async () => {
    opened = await open();
  });
  afterAll(async () => opened?.close());
  return new Proxy({} as E, {
    get(_target, key) {
      if (!opened) throw new Error(`test environment: ${String(key)} used before its beforeAll ran`);
      return opened[key as keyof E];
    },
  });
}

/**
 * Runs `fn` with a fresh worker serving the real workflows and the given fake activities on
 * a task queue of its own; the worker shuts down when `fn` settles.
 */
export async function withWorker<T>(env: TemporalEnv, activities: Partial<KilnActivities>, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `kiln-wf-test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.workerConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: env.bundle,
    activities: activities as object,
    maxCachedWorkflows: 20,
    // Flush heartbeats at once, so a cancel request reaches a heartbeating fake within ~100 ms.
    maxHeartbeatThrottleInterval: '100 milliseconds',
    shutdownGraceTime: '2 seconds',
    // The bundle carries the tracing interceptors, as production's does; untraced, their spans go nowhere.
    sinks: workflowTracingSinks(kilnTracing()),
  });
  return worker.runUntil(() => fn(taskQueue));
}

/** Replay options for a bundle: its tracing interceptors need their sink registered, even though replay exports nothing. */
export function replayOptions(workflowBundle: WorkflowBundle | { codePath: string }): ReplayWorkerOptions {
  return { workflowBundle, sinks: workflowTracingSinks(kilnTracing()) };
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface InputOptions {
  runId?: string;
  /** Shallow overrides of the project spec input (replace `entrypoints` whole). */
  project?: Partial<ProjectSpecInput>;
  policy?: RunPolicyInput;
}

/** A realistic, fully defaulted PipelineInput, built through the same zod schemas the API uses. */
export function pipelineInput(options: InputOptions = {}): PipelineInput {
  const environment = EnvironmentSpec.parse({ name: 'sklearn-py311', python_version: '3.11', dependencies: ['scikit-learn==1.5.2', 'pandas>=2.2'] });
  const project = ProjectSpec.parse({
    name: 'iris',
    source_dir: '/srv/kiln-fixtures/iris',
    dataset: 'iris',
    environment: environment.name,
    entrypoints: { preprocess: 'pipeline.py:preprocess', train: 'pipeline.py:train', evaluate: 'pipeline.py:evaluate', predict: 'pipeline.py:predict' },
    validation_gate: { thresholds: [{ metric: 'accuracy', threshold: 0.9 }] },
    ...options.project,
  });
  const dataset = DatasetSpec.parse({ name: 'iris', path: '/srv/kiln-fixtures/iris.csv', target_column: 'species' });
  return {
    runId: options.runId ?? uniqueId('iris'),
    project,
    dataset,
    environment: { name: environment.name, spec: environment, digest: environmentDigest(environment) },
    params: project.default_params,
    policy: RunPolicy.parse({ ...project.run_policy, ...options.policy }),
  };
}

/** Starts the pipeline the way the API does: workflow id = run id, Kiln search attributes set. */
export function startPipeline(
  env: TemporalEnv,
  taskQueue: string,
  input: PipelineInput,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof pipelineWorkflow>> {
  return env.client.workflow.start(pipelineWorkflow, {
    taskQueue,
    workflowId: input.runId,
    args: [input],
    workflowIdConflictPolicy: 'FAIL',
    typedSearchAttributes: [
      { key: KilnKind, value: 'pipeline' },
      { key: KilnProject, value: input.project.name },
      { key: KilnModel, value: input.project.model_name ?? input.project.name },
      { key: KilnRunStatus, value: 'queued' },
    ],
    workflowExecutionTimeout: env.workflowExecutionTimeout,
  });
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Waits for `gate`, but gives up when the activity is cancelled (so worker shutdown never hangs). */
export async function blockUntil<T>(gate: Promise<T>): Promise<T> {
  return Promise.race([gate, Context.current().cancelled]);
}

export type ActivityName = keyof KilnActivities;

export interface ActivityCall {
  name: ActivityName;
  input: unknown;
  attempt: number;
}

export const SOURCE_DIGEST = 'c0ffee'.padEnd(64, '0');
export const DATASET_VERSION = 'iris-3f2a9c1b';
export const STAGE_METRICS: Record<StageInput['stage'], Record<string, number>> = {
  preprocess: { rows: 150 },
  train: { loss: 0.125, train_accuracy: 0.98 },
  evaluate: { accuracy: 0.95, f1: 0.94 },
};
export const MODEL_VERSION = 7;
export const ENDPOINT = 'http://127.0.0.1:18765';
export const CHALLENGER_ENDPOINT = 'http://127.0.0.1:18766';
export const WORKSPACE_URL = 'http://127.0.0.1:18767';

export function stageResult(input: StageInput, attempt: number): StageResult {
  const startedAt = new Date();
  return {
    attempt,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date(startedAt.getTime() + 5).toISOString(),
    durationMs: 5,
    processMs: 3,
    metrics: STAGE_METRICS[input.stage],
    logUri: `file:///tmp/kiln-fake/${input.runId}/${input.stage}-${attempt}.log`,
  };
}

/** Fast, successful test doubles for every activity `createActivities` returns. */
export function happyActivities(): KilnActivities {
  return {
    async finishRun() {},
    async trialCurves() {
      return {};
    },
    // The real one: it only asks Temporal, through the worker's own client.
    async awaitTrialEnd(input) {
      return createExperimentActivities({ temporal: Context.current().client } as ActivityDeps).awaitTrialEnd(input);
    },
    async prepareRun() {
      return {
        source: { digest: SOURCE_DIGEST, fileCount: 3, reused: false },
        dataset: { versionId: DATASET_VERSION, prefix: `datasets/iris/${DATASET_VERSION}`, trainRows: 120, testRows: 30 },
        environmentReady: true,
      };
    },
    // As the real one does for a small dataset; fakeActivities has it answer with the prepareRun it is given.
    async prepareRunQuickly(input) {
      return { prepared: await happyActivities().prepareRun(input) };
    },
    async buildEnvironment(input: EnvironmentRef) {
      return { digest: input.digest, venvDir: `/tmp/kiln-fake/envs/${input.digest.slice(0, 16)}`, pythonVersion: '3.11.9', durationMs: 10, reused: false };
    },
    async awaitEnvironmentBuild() {
      return { waitedMs: 10 };
    },
    async runStage(input: StageInput) {
      return stageResult(input, Context.current().info.attempt);
    },
    async registerModel(input) {
      return { version: MODEL_VERSION, artifactPrefix: `models/${input.modelName}/v${MODEL_VERSION}` };
    },
    async deployModel(input) {
      return { url: ENDPOINT, deploymentId: `${input.modelName}-v${input.version}` };
    },
    async resolveRun(request) {
      const { runId: _runId, ...resolved } = pipelineInput({ project: { name: request.project } });
      return resolved;
    },
    async planPromotion() {
      return { kind: 'no-champion' as const };
    },
    async planRollout(input) {
      return { servingVersion: null, observeMs: durationMs(input.duration) };
    },
    async moveAlias() {},
    async moveAliasWhileServing() {
      return { moved: true as const };
    },
    async checkDatasetForNewData() {
      return { changed: false, versionId: DATASET_VERSION, started: [], alreadyStarted: [] };
    },
    async openRollout() {
      return { challengerUrl: CHALLENGER_ENDPOINT };
    },
    // A challenger within every bound: 200 requests, no error, fast, agreeing with the champion.
    async sampleRollout() {
      return { requests: 200, errors: 0, errorRate: 0, p95Ms: 10, agreement: 1, predictionPsi: 0.01 };
    },
    async endRollout() {},
    async writeMonitoringReport(input) {
      return monitoringReported(input.windowEnd, { drifted: false });
    },
    async startDriftRetrain(input) {
      return { runId: driftRunId(input.project, input.model, input.windowEnd), existing: false };
    },
    async sendDriftAlert() {
      return { status: 204 };
    },
    async prepareWorkspace() {},
    async startWorkspaceServer() {
      return { url: WORKSPACE_URL };
    },
    // A server in use: it saw a user a moment ago.
    async probeWorkspace() {
      return { alive: true, lastActivityMs: Date.now() };
    },
    async stopWorkspaceServer() {},
    async removeWorkspace() {},
    async snapshotWorkspaceSource() {
      return { digest: SOURCE_DIGEST, fileCount: 3 };
    },
  };
}

/** What writeMonitoringReport answers for a window: stable, or drifted on two features with the project's `on_drift`. */
export function monitoringReported(windowEnd: string, drift: { drifted: boolean; onDrift?: DriftAction }): MonitoringOutcome {
  return {
    status: 'reported',
    reportKey: `monitoring/iris/${windowEnd.replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')}.json`,
    windowEnd,
    drifted: drift.drifted,
    driftedFeatures: drift.drifted ? ['petal_length', 'petal_width'] : [],
    predictionDrifted: false,
    predictions: 1000,
    onDrift: drift.onDrift ?? 'none',
  };
}

export interface FakeActivities {
  /** Pass to the worker. */
  activities: Partial<KilnActivities>;
  /** Every call, in the order the worker started them. */
  calls: ActivityCall[];
  names(): ActivityName[];
  inputsOf<N extends ActivityName>(name: N): Parameters<KilnActivities[N]>[0][];
}

/** The happy fakes with some replaced, every call recorded (name, input, attempt). */
export function fakeActivities(overrides: Partial<KilnActivities> = {}): FakeActivities {
  const impl: Record<string, (input: unknown) => Promise<unknown>> = { ...happyActivities(), ...overrides } as never;
  // The quick path freezes inputs as prepareRun does: an overridden prepareRun answers for both.
  if (!overrides.prepareRunQuickly) impl.prepareRunQuickly = async (input) => ({ prepared: await impl.prepareRun!(input) });
  const calls: ActivityCall[] = [];
  const activities = Object.fromEntries(
    Object.entries(impl).map(([name, fn]) => [
      name,
      async (input: unknown) => {
        calls.push({ name: name as ActivityName, input: structuredClone(input), attempt: Context.current().info.attempt });
        return fn(input);
      },
    ]),
  ) as Partial<KilnActivities>;
  return {
    activities,
    calls,
    names: () => calls.map((c) => c.name),
    inputsOf: <N extends ActivityName>(name: N) => calls.filter((c) => c.name === name).map((c) => c.input as Parameters<KilnActivities[N]>[0]),
  };
}
