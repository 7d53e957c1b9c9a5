/**
 * Upgrading the worker mid-run: runs started by a worker on the previous release's workflow
 * code, blocked in their activities, are taken over by a worker on the current code and finish
 * as they started (the champion/challenger and deploy patches stay off for them). The previous
 * release is a fixed commit of this repository, bundled from git history (workflow-bundles.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StageInput } from '../../activities/stages.js';
import { ExperimentSpec } from '../../core/specs/experiment.js';
import type { RunProgress } from '../../core/pipeline/run-progress.js';
import type { ExperimentInput, ExperimentView } from '../../workflows/experiment-state.js';
import type { History } from './recording/scenario.js';
import { kilnTracing } from '../../core/tracing/kiln-tracing.js';
import { workflowTracingSinks } from '../../core/tracing/temporal-tracing.js';
import { bundleAtCommit } from './workflow-bundles.js';
import {
  blockUntil,
  deferred,
  ENDPOINT,
  fakeActivities,
  happyActivities,
  installQuietRuntime,
  MODEL_VERSION,
  pipelineInput,
  stageResult,
  startPipeline,
  useTemporalEnv,
  replayOptions,
} from './workflow-harness.js';
import { historyFromFixtureJSON } from './history-json.js';

installQuietRuntime();

/**
 * The previous release: there are no tags, so the last commit before continuous training, whose
 * pipeline had no champion/challenger step and whose deployments moved no alias (both since
 * added behind patched()). Move it forward when a release is cut.
 */
const PREVIOUS_RELEASE = 'b007053bc90d541a23f1d1a3e7e26dce413ab682';
const OLD_WORKER = 'kiln-previous-release';
const NEW_WORKER = 'kiln-current';

const env = useTemporalEnv();
let previous: { codePath: string };
beforeAll(async () => {
  previous = await bundleAtCommit(PREVIOUS_RELEASE);
});

/** Which worker completed each workflow task of a run, in order. */
const taskWorkers = (history: History) =>
  history.events!.flatMap((e) => (e.workflowTaskCompletedEventAttributes ? [e.workflowTaskCompletedEventAttributes.identity] : []));

describe(`runs started on the previous release (${PREVIOUS_RELEASE.slice(0, 7)}) finish on the current workflow code`, () => {
  it('the previous release is other code: it cannot replay a run recorded on the current one', async () => {
    const history = historyFromFixtureJSON(readFileSync(join(import.meta.dirname, 'histories', 'pipeline-champion-first.json'), 'utf8'));
    await expect(Worker.runReplayHistory(replayOptions(previous), history, 'pipeline-champion-first')).rejects.toThrow(DeterminismViolationError);
  });

  it('pipeline runs, a deployment and an experiment blocked in activities are taken over by a new worker and complete', async () => {
    const taskQueue = `kiln-upgrade-${randomUUID()}`;
    const upgraded = deferred();
    const blocked = { train: 0, environment: 0, deploy: 0 };
    const envWaitRun = `iris-upgrade-envwait-${randomUUID().slice(0, 8)}`;
    const fakes = fakeActivities({
      async prepareRun(input) {
        return { ...(await happyActivities().prepareRun(input)), environmentReady: input.runId !== envWaitRun };
      },
      async awaitEnvironmentBuild() {
        blocked.environment += 1;
        await blockUntil(upgraded.promise);
        return { waitedMs: 1000 };
      },
      async runStage(input: StageInput) {
        if (input.stage === 'train') {
          blocked.train += 1;
          await blockUntil(upgraded.promise);
        }
        const result = stageResult(input, 1);
        return input.stage === 'evaluate' && input.params.extras.x !== undefined
          ? { ...result, metrics: { accuracy: Number(input.params.extras.x) / 10 } }
          : result;
      },
      async deployModel(input) {
        if (input.modelName === 'iris-rollback') {
          blocked.deploy += 1;
          await blockUntil(upgraded.promise);
        }
        return happyActivities().deployModel(input);
      },
    });

    // Activities run on a worker of their own that stays up: only the workflow code changes hands.
    const activityWorker = await Worker.create({ connection: env.workerConnection, taskQueue, activities: fakes.activities, shutdownGraceTime: '2 seconds' });
    // Local activities (records) run in the workflow worker; it polls for no others.
    const workflowWorker = (identity: string, workflowBundle: WorkerOptions['workflowBundle']) =>
      Worker.create({
        connection: env.workerConnection,
        taskQueue,
        identity,
        workflowBundle,
        activities: fakes.activities,
        enableNonLocalActivities: false,
        maxCachedWorkflows: 20,
        shutdownGraceTime: '2 seconds',
        // The current bundle carries the tracing interceptors; the previous release's did not.
        sinks: workflowTracingSinks(kilnTracing()),
      });

    const plain = pipelineInput({ runId: `iris-upgrade-${randomUUID().slice(0, 8)}` });
    const rejected = pipelineInput({
      runId: `iris-upgrade-gate-${randomUUID().slice(0, 8)}`,
      project: { validation_gate: { thresholds: [{ metric: 'accuracy', threshold: 0.99 }] } },
    });
    const envWait = pipelineInput({ runId: envWaitRun });
    const experiment = experimentInput();

    const results = await activityWorker.runUntil(async () => {
      const old = await workflowWorker(OLD_WORKER, previous);
      const handles = await old.runUntil(async () => {
        const pipelines = await Promise.all([plain, rejected, envWait].map((input) => startPipeline(env, taskQueue, input)));
        const rollback = { modelName: 'iris-rollback', version: 2, reason: 'rollback from v3', actor: 'alice' };
        const deploy = await env.client.workflow.start('deployModelWorkflow', {
          taskQueue,
          workflowId: `deploy-${rollback.modelName}-${randomUUID().slice(0, 8)}`,
          args: [rollback],
          workflowExecutionTimeout: '2 minutes',
        });
        const tuning = await env.client.workflow.start('experimentWorkflow', {
          taskQueue,
          workflowId: experiment.experimentId,
          args: [experiment],
          workflowExecutionTimeout: '2 minutes',
        });
        // Two pipelines and both trials in train, one pipeline waiting for its environment, the deployment deploying.
        await waitFor(() => blocked.train === 4 && blocked.environment === 1 && blocked.deploy === 1);
        return { pipelines, deploy, tuning };
      });
      // The old worker is gone; the new one takes every run over from its history.
      const current = await workflowWorker(NEW_WORKER, env.bundle);
      return current.runUntil(async () => {
        upgraded.resolve();
        const everyRun = [...handles.pipelines, handles.deploy, handles.tuning];
        const finished = Promise.all([
          Promise.all(handles.pipelines.map((h) => h.result() as Promise<RunProgress>)),
          handles.deploy.result() as Promise<{ url: string }>,
          handles.tuning.result() as Promise<ExperimentView>,
        ]);
        const [pipelines, deploy, tuning] = await Promise.race([finished, firstTaskFailure(everyRun, finished)]);
        const histories = await Promise.all(
          [...everyRun, ...[0, 1].map((i) => env.client.workflow.getHandle(`${experiment.experimentId}-trial-${i}`))].map((h: WorkflowHandle) =>
            h.fetchHistory(),
          ),
        );
        return { pipelines, deploy, tuning, histories };
      });
    });

    const [plainResult, rejectedResult, envWaitResult] = results.pipelines;
    const promote = (progress: RunProgress) => progress.steps.find((s) => s.step === 'promote');
    // Started before champion/challenger: every version passing the gate serves, no alias moves.
    expect(plainResult).toMatchObject({ status: 'succeeded', modelVersion: MODEL_VERSION, endpoint: ENDPOINT });
    expect(promote(plainResult!)).toMatchObject({ status: 'skipped', message: 'started before champion/challenger promotion' });
    expect(rejectedResult).toMatchObject({ status: 'rejected', failureClass: 'gate_failed' });
    expect(envWaitResult).toMatchObject({ status: 'succeeded', buildWaitMs: 1000 });
    expect(results.deploy).toEqual({ url: ENDPOINT, deploymentId: 'iris-rollback-v2' });
    expect(fakes.names()).not.toContain('planPromotion');
    expect(fakes.names()).not.toContain('moveAlias');
    expect(results.tuning.status).toBe('succeeded');
    expect(results.tuning.trials.map((t) => [t.status, t.objective])).toEqual([
      ['succeeded', 0.1],
      ['succeeded', 0.2],
    ]);
    expect(
      fakes
        .inputsOf('finishRun')
        .map((p) => p.runId)
        .sort(),
    ).toEqual([plain.runId, rejected.runId, envWait.runId, `${experiment.experimentId}-trial-0`, `${experiment.experimentId}-trial-1`].sort());

    // Each run really changed workers mid-run, and its whole mixed history replays on the current code.
    for (const history of results.histories) {
      const workers = taskWorkers(history);
      expect(workers[0]).toBe(OLD_WORKER);
      expect(workers.at(-1)).toBe(NEW_WORKER);
      await expect(Worker.runReplayHistory(replayOptions(env.bundle), history)).resolves.toBeUndefined();
    }
  });
});

function experimentInput(): ExperimentInput {
  const { runId: _runId, ...base } = pipelineInput();
  return {
    experimentId: `exp-upgrade-${randomUUID().slice(0, 8)}`,
    spec: ExperimentSpec.parse({
      name: 'upgrade',
      project: base.project.name,
      objective: { metric: 'accuracy', goal: 'maximize' },
      parameters: [{ name: 'extras.x', type: 'discrete', values: [1, 2] }],
      algorithm: { name: 'grid' },
      parallel_trial_count: 2,
      max_trial_count: 2,
    }),
    base: { ...base, params: { ...base.params, extras: { ...base.params.extras, x: 0 } } },
  };
}

const UNHANDLED_COMMAND = proto.temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND;

/**
 * Rejects with the first failed workflow task of any run: code that cannot replay a run fails
 * its tasks (retried forever), which would otherwise show only as a timeout.
 */
async function firstTaskFailure(handles: WorkflowHandle[], finished: Promise<unknown>): Promise<never> {
  let done = false;
  finished.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done) {
    for (const handle of handles) {
      const { events } = await handle.fetchHistory();
      // An unhandled command only means new events arrived while the task completed: it is retried at once.
      const failed = events?.map((e) => e.workflowTaskFailedEventAttributes).find((f) => f && f.cause !== UNHANDLED_COMMAND);
      if (failed) throw new Error(`${handle.workflowId}: a workflow task failed on the current code: ${failed.failure?.message}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return new Promise<never>(() => {});
}

async function waitFor(check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 60_000; !check(); ) {
    if (Date.now() > deadline) throw new Error('the runs never reached their blocking activities on the previous release');
    await new Promise((r) => setTimeout(r, 50));
  }
}
