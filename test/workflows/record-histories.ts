/**
 * Records the replay corpus that replay-corpus.test.ts replays (test/workflows/histories/), one
 * history per path a workflow can take. Tests only read them. Histories recorded on earlier code
 * (pipeline-happy-path.json, before champion/challenger) are never re-recorded: they prove that
 * runs started then still replay. Record a new path, or re-record deliberately after a change
 * meant to alter a workflow's commands (and guard running workflows with `patched()`):
 *
 *   npx tsx test/workflows/record-histories.ts                  # every scenario
 *   npx tsx test/workflows/record-histories.ts --missing        # only those without a file
 *   npx tsx test/workflows/record-histories.ts pipeline-cancelled experiment-grid
 *
 * Starts a throwaway dev server, runs each scenario with the test-double activities, checks the
 * run ended the way the scenario says, and writes proto3 JSON (`temporal workflow show -o json`).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../core/config.js';
import { requireTool } from '../../core/environments/tool-paths.js';
import { startDevServerOnFreePort } from '../../core/temporal/dev-server.js';
import { experimentScenarios } from './recording/experiment-scenarios.js';
import { monitorScenarios } from './recording/monitor-scenarios.js';
import { pipelineScenarios } from './recording/pipeline-scenarios.js';
import type { History, Scenario } from './recording/scenario.js';
import { supportScenarios } from './recording/support-scenarios.js';
import { workspaceScenarios } from './recording/workspace-scenarios.js';
import { bundleKilnWorkflows, installQuietRuntime, openTemporalEnv, withWorker, type TemporalEnv } from './workflow-harness.js';
import { historyToFixtureJSON } from './history-json.js';

const HISTORIES_DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'histories');

/**
 * Recorded on earlier workflow code: kept as they are, whatever the command line says. The
 * `-polled` ones are experiments started before TRIAL_CURVE_EVENTS_PATCH (and a trial of one).
 */
const FROZEN_HISTORIES = [
  'pipeline-happy-path',
  // Before the champion-while-serving patches: a run, a rollback or a rollout moved `champion` once it served, whatever served then.
  'pipeline-champion-first',
  'deploy-model-rollback',
  // Before QUICK_PREPARE_PATCH: prepareRun was always a scheduled activity.
  'pipeline-cached-in-prepare',
  'rollout-canary-promoted',
  ...['grid', 'random', 'tpe', 'hyperband', 'median-stop', 'continue-as-new', 'after-continue-as-new', 'stopped', 'extended'].map(
    (n) => `experiment-${n}-polled`,
  ),
  'pipeline-trial-early-stopped-polled',
];

const SCENARIOS: Scenario[] = [...pipelineScenarios, ...experimentScenarios, ...supportScenarios, ...monitorScenarios, ...workspaceScenarios];

async function record(env: TemporalEnv, scenario: Scenario): Promise<Record<string, History>> {
  const run = scenario.setup(env);
  return withWorker(env, run.activities, async (taskQueue) => {
    const handle = await run.start(taskQueue);
    await run.drive?.(handle);
    await handle.result().catch(() => undefined);
    const ended = (await handle.describe()).status.name;
    if (ended !== (scenario.ends ?? 'COMPLETED')) throw new Error(`${scenario.name}: the run ended ${ended}, not ${scenario.ends ?? 'COMPLETED'}`);
    return { [scenario.name]: await handle.fetchHistory(), ...(await run.more?.(handle)) };
  });
}

function chosen(args: string[]): Scenario[] {
  const names = args.filter((a) => a !== '--missing');
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`no such scenario: ${unknown.join(', ')} (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  const named = names.length ? SCENARIOS.filter((s) => names.includes(s.name)) : SCENARIOS;
  return args.includes('--missing') ? named.filter((s) => !existsSync(join(HISTORIES_DIR, `${s.name}.json`))) : named;
}

async function main(args: string[]): Promise<void> {
  const scenarios = chosen(args);
  installQuietRuntime();
  const dir = mkdtempSync(join(tmpdir(), 'kiln-record-histories-'));
  const server = await startDevServerOnFreePort({
    temporalBinary: await requireTool(loadConfig(), 'temporal'),
    dbFile: join(dir, 'temporal.sqlite'),
    namespace: 'default',
  });
  try {
    const env = await openTemporalEnv(server.address, await bundleKilnWorkflows());
    try {
      mkdirSync(HISTORIES_DIR, { recursive: true });
      for (const scenario of scenarios) {
        for (const [name, history] of Object.entries(await record(env, scenario))) {
          if (FROZEN_HISTORIES.includes(name)) throw new Error(`${name}.json was recorded on earlier workflow code and is never re-recorded`);
          const file = join(HISTORIES_DIR, `${name}.json`);
          writeFileSync(file, historyToFixtureJSON(history));
          console.log(`wrote ${file} (${history.events?.length ?? 0} events)`);
        }
      }
    } finally {
      await env.close();
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
