/**
 * Records the workflow histories that pipeline-workflow.test.ts replays (test/workflows/histories/),
 * one per path. Tests only read them. pipeline-happy-path.json predates champion/challenger and
 * is kept as recorded: it proves runs started before the patch still replay. Re-record the
 * others deliberately, after a change that is meant to alter the workflow's commands (and
 * guard running workflows with `patched()`):
 *
 *   npx tsx test/workflows/record-histories.ts
 *
 * Starts a throwaway dev server, runs each scenario with the test-double activities, writes JSON.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../core/config.js';
import { requireTool } from '../../core/environments/tool-paths.js';
import { startDevServer } from '../../core/temporal/dev-server.js';
import { freePort } from '../../core/net/free-port.js';
import type { WorkflowHandle } from '@temporalio/client';
import { progressQuery, promotionDecisionUpdate } from '../../workflows/pipeline-signals.js';
import { bundleKilnWorkflows, fakeActivities, historyToFixtureJSON, installQuietRuntime, openTemporalEnv, pipelineInput, stageResult, startPipeline, withWorker } from './workflow-harness.js';

const HISTORIES_DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'histories');

type Env = Awaited<ReturnType<typeof openTemporalEnv>>;

interface Scenario {
  name: string;
  activities(): ReturnType<typeof fakeActivities>;
  start(env: Env, taskQueue: string): Promise<WorkflowHandle>;
  /** What a person does while it runs (approve, reject). */
  drive?(handle: WorkflowHandle): Promise<void>;
}

const FIXED_RUN = 'iris-20250101-000000-0000';
const comparing = (mode: 'auto' | 'manual') => pipelineInput({ runId: `${FIXED_RUN}-${mode}`, project: { promotion: { mode, compare_to_champion: { metric: 'accuracy', direction: 'max', min_delta: 0.005 } } } });

/** Fakes where champion v3 scores `accuracy` on the challenger's split. */
function championScoring(accuracy: number) {
  return fakeActivities({
    async planPromotion(input) {
      return { kind: 'compare', championVersion: 3, evaluation: { runId: input.runId, stage: 'evaluate', step: 'champion', entrypoint: input.evaluateEntrypoint, upstream: ['train'], sourceDigest: 'a'.repeat(64), datasetPrefix: input.datasetPrefix, environmentDigest: 'e'.repeat(64), params: { learning_rate: 0.1, batch_size: 8, epochs: 2, seed: 1, extras: {} }, timeoutSeconds: 60, cache: true, upstreamCacheKeys: { train: null } } };
    },
    async runStage(input) {
      const result = stageResult(input, 1);
      return input.step === 'champion' ? { ...result, metrics: { accuracy } } : result;
    },
  });
}

async function approvalWaited(handle: WorkflowHandle): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await handle.query(progressQuery)).promotion === 'awaiting_approval') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('never waited for approval');
}

/** One recorded history per path the pipeline can take (replayed by pipeline-workflow.test.ts). */
const SCENARIOS: Scenario[] = [
  { name: 'pipeline-champion-first', activities: () => fakeActivities(), start: (env, q) => startPipeline(env, q, pipelineInput({ runId: `${FIXED_RUN}-first` })) },
  { name: 'pipeline-challenger-loses', activities: () => championScoring(0.99), start: (env, q) => startPipeline(env, q, comparing('auto')) },
  { name: 'pipeline-challenger-wins', activities: () => championScoring(0.5), start: (env, q) => startPipeline(env, q, { ...comparing('auto'), runId: `${FIXED_RUN}-wins` }) },
  {
    name: 'pipeline-already-champion',
    activities: () => fakeActivities({ planPromotion: async () => ({ kind: 'already-champion', championVersion: 7 }) }),
    start: (env, q) => startPipeline(env, q, pipelineInput({ runId: `${FIXED_RUN}-cached` })),
  },
  {
    name: 'pipeline-manual-approved',
    activities: () => championScoring(0.5),
    start: (env, q) => startPipeline(env, q, comparing('manual')),
    drive: async (handle) => {
      await approvalWaited(handle);
      await handle.executeUpdate(promotionDecisionUpdate, { args: [{ approve: true, by: 'alice' }] });
    },
  },
  {
    name: 'pipeline-manual-rejected',
    activities: () => championScoring(0.5),
    start: (env, q) => startPipeline(env, q, { ...comparing('manual'), runId: `${FIXED_RUN}-rejected` }),
    drive: async (handle) => {
      await approvalWaited(handle);
      await handle.executeUpdate(promotionDecisionUpdate, { args: [{ approve: false, by: 'bob', reason: 'not now' }] });
    },
  },
  {
    name: 'pipeline-scheduled-start',
    activities: () => fakeActivities(),
    start: (env, q) => env.client.workflow.start('pipelineWorkflow', { taskQueue: q, workflowId: 'sched-nightly-2025-01-01T00:00:00Z', args: [{ scheduled: { schedule: 'nightly', spec: { name: 'nightly', project: 'iris', every: '1h', timezone: 'UTC', params: {}, run_policy: {}, overlap: 'skip', catchup_window: '5m', pause_on_failure: false } } }] }),
  },
  {
    name: 'dataset-watch-check',
    activities: () => fakeActivities(),
    start: (env, q) => env.client.workflow.start('datasetWatchWorkflow', { taskQueue: q, workflowId: 'kiln-watch-iris-2025-01-01T00:00:00Z', args: [{ dataset: 'iris' }] }),
  },
  {
    name: 'deploy-model-rollback',
    activities: () => fakeActivities(),
    start: (env, q) => env.client.workflow.start('deployModelWorkflow', { taskQueue: q, workflowId: 'deploy-iris-recorded', args: [{ modelName: 'iris', version: 2, reason: 'rollback from v3', actor: 'alice' }] }),
  },
];

async function main(): Promise<void> {
  installQuietRuntime();
  const dir = mkdtempSync(join(tmpdir(), 'kiln-record-histories-'));
  const server = await startDevServer({
    temporalBinary: await requireTool(loadConfig(), 'temporal'),
    dbFile: join(dir, 'temporal.sqlite'),
    port: await freePort(),
    namespace: 'default',
  });
  try {
    const env = await openTemporalEnv(server.address, await bundleKilnWorkflows());
    try {
      mkdirSync(HISTORIES_DIR, { recursive: true });
      for (const scenario of SCENARIOS) {
        const history = await withWorker(env, scenario.activities().activities, async (taskQueue) => {
          const handle = await scenario.start(env, taskQueue);
          await scenario.drive?.(handle);
          await handle.result();
          return handle.fetchHistory();
        });
        const file = join(HISTORIES_DIR, `${scenario.name}.json`);
        writeFileSync(file, historyToFixtureJSON(history));
        console.log(`wrote ${file} (${history.events?.length ?? 0} events)`);
      }
    } finally {
      await env.close();
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
