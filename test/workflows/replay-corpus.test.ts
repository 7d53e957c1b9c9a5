/**
 * The replay corpus: every recorded history in test/workflows/histories/ (written by
 * record-histories.ts) replays against the current workflow code, so a change that would break
 * running workflows fails here instead of in production. The table below is the corpus's index:
 * every path a workflow can take has a history, and every history names its path. The last
 * tests prove the suite can fail: altered histories and altered code are refused.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import type { History } from './recording/scenario.js';
import { bundleKilnWorkflows, installQuietRuntime, replayOptions } from './workflow-harness.js';
import { historyFromFixtureJSON } from './history-json.js';
import { bundleWithEdit } from './workflow-bundles.js';

installQuietRuntime();

const HISTORIES_DIR = join(import.meta.dirname, 'histories');

/** Each path a workflow can take, and the history that records it. */
const CORPUS: Record<string, string> = {
  'pipeline succeeds (first champion), started before champion moved only while serving': 'pipeline-champion-first',
  'pipeline succeeds (first champion), champion moved while its version serves': 'pipeline-champion-while-serving',
  'pipeline: overtaken by a promotion of the same model at once, ends challenger': 'pipeline-overtaken-while-serving',
  'pipeline succeeds, started before champion/challenger (recorded on that code)': 'pipeline-happy-path',
  'pipeline: validation gate rejects the model': 'pipeline-gate-rejected',
  'pipeline cancelled during a stage': 'pipeline-cancelled',
  'pipeline fails after retry_count_limit retries': 'pipeline-failed-after-retries',
  'pipeline resumed from a failed run': 'pipeline-resumed',
  'pipeline with stages answered from the cache': 'pipeline-stages-cached',
  'pipeline whose every stage prepareRun found in the cache (local promotion plan), started before the quick prepare': 'pipeline-cached-in-prepare',
  'pipeline fully cached, inputs frozen by the local prepareRunQuickly: one workflow task': 'pipeline-quick-prepare-cached',
  'pipeline whose dataset is too large for the quick prepare: the durable prepareRun freezes it': 'pipeline-quick-prepare-deferred',
  'pipeline whose leading stages prepareRun found in the cache, the rest run': 'pipeline-partly-cached-in-prepare',
  'pipeline waiting for its environment build': 'pipeline-waiting-for-environment',
  'pipeline stage waiting for a GPU (stageState signals)': 'pipeline-waiting-for-gpu',
  "pipeline promotion through the project's canary, promoted (child rollout)": 'pipeline-rollout-canary-promoted',
  "pipeline promotion through the project's canary, rolled back": 'pipeline-rollout-canary-rolled-back',
  "pipeline promotion through the project's canary, overtaken by another promotion: ends challenger": 'pipeline-rollout-canary-overtaken',
  'pipeline as an experiment trial': 'pipeline-trial',
  'pipeline trial stopped early (cancelled by its experiment; pushes its curve)': 'pipeline-trial-early-stopped',
  'pipeline trial stopped early, started before pushed curves': 'pipeline-trial-early-stopped-polled',
  'pipeline: challenger loses to the champion': 'pipeline-challenger-loses',
  'pipeline: challenger beats the champion': 'pipeline-challenger-wins',
  'pipeline: version already champion': 'pipeline-already-champion',
  'pipeline: manual approval granted': 'pipeline-manual-approved',
  'pipeline: manual approval refused': 'pipeline-manual-rejected',
  'pipeline started by a schedule': 'pipeline-scheduled-start',
  'experiment: grid search': 'experiment-grid',
  'experiment: random search': 'experiment-random',
  'experiment: TPE (Bayesian)': 'experiment-tpe',
  'experiment: Hyperband': 'experiment-hyperband',
  'experiment: median stopping stops a trial on its pushed curve': 'experiment-median-stop',
  'experiment continues as new': 'experiment-continue-as-new',
  'experiment after continue-as-new (carried state)': 'experiment-after-continue-as-new',
  'experiment continues as new while trials run': 'experiment-continue-as-new-with-trials-running',
  'experiment adopts running trials, stops one early, continues as new while it stops': 'experiment-adopting-trials',
  'experiment records an adopted trial stopped early by the run before': 'experiment-adopted-trial-ends',
  'experiment stopped by request': 'experiment-stopped',
  'experiment stopped after continue-as-new (cancels adopted trials)': 'experiment-stopped-after-continue-as-new',
  'experiment extended while running': 'experiment-extended',
  // Started before TRIAL_CURVE_EVENTS_PATCH: median stopping polls, continue-as-new waits for running trials.
  'experiment: grid search, polling': 'experiment-grid-polled',
  'experiment: random search, polling': 'experiment-random-polled',
  'experiment: TPE, polling': 'experiment-tpe-polled',
  'experiment: Hyperband, polling': 'experiment-hyperband-polled',
  'experiment: median stopping by polling': 'experiment-median-stop-polled',
  'experiment continues as new once no trial runs': 'experiment-continue-as-new-polled',
  'experiment after continue-as-new, polling': 'experiment-after-continue-as-new-polled',
  'experiment stopped by request, polling': 'experiment-stopped-polled',
  'experiment extended while running, polling': 'experiment-extended-polled',
  'environment build': 'environment-build',
  'deployment (rollback), started before champion moved only while serving': 'deploy-model-rollback',
  'deployment (rollback), champion moved while its version serves': 'deploy-model-rollback-while-serving',
  'deployment (rollback) overtaken by a promotion that served after it: fails': 'deploy-model-overtaken',
  'rollout: canary within its bounds, promoted, started before champion moved only while serving': 'rollout-canary-promoted',
  'rollout: canary within its bounds, promoted, champion moved while its version serves': 'rollout-canary-promoted-while-serving',
  'rollout: canary served, then overtaken by a promotion that served after it: rolled back': 'rollout-canary-overtaken',
  'rollout: canary over max_error_rate, rolled back': 'rollout-canary-rolled-back',
  'dataset watch check': 'dataset-watch-check',
  'monitor: a stable window, reported only': 'monitor-report-only',
  'monitor: a drifted window starts its retraining run': 'monitor-drift-retrain',
  'monitor: a drifted window posts its alert': 'monitor-drift-alert',
  'workspace: stopped when idle, started again, deleted': 'workspace-idle-restart-delete',
};

const recorded = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''))
  .sort();
const load = (name: string): History => historyFromFixtureJSON(readFileSync(join(HISTORIES_DIR, `${name}.json`), 'utf8'));
const replay = (bundle: WorkflowBundle, history: History, name: string) => Worker.runReplayHistory(replayOptions(bundle), history, name);

let current: WorkflowBundle;
let traced: WorkflowBundle;
beforeAll(async () => {
  [current, traced] = await Promise.all([bundleKilnWorkflows(), bundleKilnWorkflows({ traced: true })]);
});

describe('the replay corpus', () => {
  it('has a history for every path, and every history is a listed path', () => {
    expect(Object.values(CORPUS).filter((name) => !recorded.includes(name))).toEqual([]);
    expect(recorded.filter((name) => !Object.values(CORPUS).includes(name))).toEqual([]);
  });

  it.each(Object.entries(CORPUS))('%s (%s) replays against the current workflow code', async (_path, name) => {
    await expect(replay(current, load(name), name)).resolves.toBeUndefined();
  });

  // Tracing may be switched on or off between a worker's restarts: every history replays on either bundle.
  it.each(Object.entries(CORPUS))('%s (%s) replays against the traced bundle too', async (_path, name) => {
    await expect(replay(traced, load(name), name)).resolves.toBeUndefined();
  });
});

describe('replay detects non-determinism', () => {
  it('a history whose first activity was renamed is a determinism violation', async () => {
    const history = load('pipeline-champion-first');
    const scheduled = history.events!.find((e) => e.activityTaskScheduledEventAttributes)!.activityTaskScheduledEventAttributes!;
    expect(scheduled.activityType?.name).toBe('prepareRun');
    scheduled.activityType = { name: 'prepareRunRenamed' };
    await expect(replay(current, history, 'renamed-activity')).rejects.toThrow(DeterminismViolationError);
  });

  const PATCHED = 'const promotes = cacheHitsInPrepare || patched(CHAMPION_CHALLENGER_PATCH);';
  it.each([
    // Dropping the guard breaks runs on both sides of it: older runs take the new path, newer ones carry a marker nothing asks for.
    { edit: 'the champion/challenger guard removed', to: 'const promotes = true;', before: 'fails', after: 'fails' },
    // deprecatePatch() keeps newer runs replaying; it is safe only once no run started before the patch is open.
    {
      edit: 'the champion/challenger patch deprecated',
      to: 'deprecatePatch(CHAMPION_CHALLENGER_PATCH);\n  const promotes = true;',
      before: 'fails',
      after: 'replays',
    },
  ])('pipeline with $edit: a run started before the patch $before, one started after it $after', async ({ to, before, after }) => {
    const edited = await bundleWithEdit('pipeline.ts', (source) => source.replace('  patched,\n', '  patched,\n  deprecatePatch,\n').replace(PATCHED, to));
    const outcome = (name: string) =>
      replay(edited, load(name), name).then(
        () => 'replays',
        (error: unknown) => (error instanceof DeterminismViolationError ? 'fails' : error),
      );
    expect(await outcome('pipeline-happy-path')).toBe(before);
    expect(await outcome('pipeline-champion-first')).toBe(after);
  });
});
