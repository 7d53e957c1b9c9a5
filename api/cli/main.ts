import { Command } from 'commander';
import { homePaths, loadConfig } from '../../core/config.js';
import { SpecValidationError } from '../../core/errors.js';
import { createKilnLog, useKilnLog } from '../../core/logging/kiln-log.js';
import { ExperimentSpec } from '../../core/specs/experiment.js';
import { parseSpec } from '../../core/specs/index.js';
import { PredictRequest } from '../http/request-schemas.js';
import { KilnApiClient, KilnApiError } from '../client/kiln-api-client.js';
import { applySpecFile, readSpecFile } from './apply-file.js';
import { runDemo } from './demo.js';
import { runMonitoringDemo } from './demo-monitoring.js';
import { addAccessCommands } from './access-commands.js';
import { cliToken } from './credentials.js';
import { addModelCommands } from './model-commands.js';
import { parseParamFlags } from './parse-params.js';
import { addScheduleCommands } from './schedule-commands.js';
import { addWorkspaceCommands } from './workspace-commands.js';
import { printView } from './output.js';
import { renderDatasetProfile } from './render-dataset-profile.js';
import { renderExperiment } from './render-experiment.js';
import { renderDatasets, renderEnvironments, renderExperimentList, renderProjects } from './render-catalog.js';
import { renderRun, renderRunList } from './render-run.js';
import { readJsonFile, watchExperiment } from './watch-experiment.js';
import { runDoctor } from '../../workers/doctor.js';
import { runServingIo } from './serving-io-command.js';
import { runStageIo } from './stage-io-command.js';
import { runWorkspaceIo } from './workspace-io-command.js';
import { runForeground } from './up.js';
import { watchRun } from './watch-run.js';

const config = loadConfig();
const api = () => new KilnApiClient(config.apiUrl, { token: cliToken(config).token });
const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};
const collect = (value: string, previous: string[]) => [...previous, value];

const program = new Command('kiln').description('Durable ML pipelines on Temporal').showHelpAfterError();
// Long-running services log JSON lines for collectors; `kiln up` readable lines for the person
// watching it; a command with its own output (demo, run --watch) only warnings and errors.
program.hook('preAction', (_program, command) => {
  const name = command.name();
  const service = name === 'worker' || name === 'api' || name === 'stage-io' || name === 'serving-io' || name === 'workspace-io';
  const format = config.log.format ?? (service ? 'json' : 'pretty');
  const level = config.log.level ?? (service || name === 'up' ? 'info' : 'warn');
  useKilnLog(createKilnLog({ format, level }));
});

program
  .command('up')
  .description('run the embedded stack (Temporal dev server + Web UI, worker, API) until Ctrl-C')
  .action(() => runForeground(config, { restoreServing: true }));
program
  .command('worker')
  .description('run only a worker (against TEMPORAL_ADDRESS, or the local dev server)')
  .action(() => runForeground(config, { api: false, restoreServing: true }));
program
  .command('api')
  .description('run only the HTTP API (against TEMPORAL_ADDRESS, or the local dev server)')
  .action(() => runForeground(config, { worker: false }));
program
  .command('stage-io <action>')
  .description('inside a Kubernetes stage pod: `fetch` the inputs (init container) or `sync` checkpoints and outputs (sidecar)')
  .action(async (action: string) => {
    if (action !== 'fetch' && action !== 'sync')
      throw new SpecValidationError([{ path: 'action', message: `expected "fetch" or "sync", got ${JSON.stringify(action)}` }]);
    process.exitCode = await runStageIo(config, action, config.stageIo);
  });
program
  .command('serving-io <action>')
  .description('inside a Kubernetes model-server pod: `fetch` the source, model and SDK (init container), `ship` the prediction log (sidecar)')
  .action(async (action: string) => {
    if (action !== 'fetch' && action !== 'ship') {
      throw new SpecValidationError([{ path: 'action', message: `expected "fetch" or "ship", got ${JSON.stringify(action)}` }]);
    }
    process.exitCode = await runServingIo(config, action, config.servingIo);
  });
program
  .command('workspace-io <action>')
  .description('inside a Kubernetes workspace pod: `fetch` its files (init container) or `sync` them to the artifact store (sidecar)')
  .action(async (action: string) => {
    if (action !== 'fetch' && action !== 'sync')
      throw new SpecValidationError([{ path: 'action', message: `expected "fetch" or "sync", got ${JSON.stringify(action)}` }]);
    process.exitCode = await runWorkspaceIo(config, action, config.workspaceIo);
  });
program
  .command('demo')
  .description('run the breast-cancer example end to end on the embedded stack')
  .action(async () => {
    process.exitCode = await runDemo(config);
  });
program
  .command('demo-monitoring')
  .description('serve the breast-cancer example monitored, send normal then shifted predictions, and show drift and the retrain it starts')
  .action(async () => {
    process.exitCode = (await runMonitoringDemo(config)).code;
  });
program
  .command('apply')
  .description('create or update the environment, dataset and project in a spec file (see examples/*/kiln.json)')
  .requiredOption('-f, --file <path>', 'spec file')
  .action(async ({ file }) => print(await applySpecFile(api(), readSpecFile(file))));

program
  .command('doctor')
  .description('check each configured backend (Temporal, database, artifact store, Python runtime) and say why one is not usable')
  .action(async () => {
    const checks = await runDoctor(config);
    for (const c of checks) process.stdout.write(`${c.ok ? '✔' : '✘'} ${c.backend.padEnd(15)} ${c.detail}\n`);
    process.exitCode = checks.every((c) => c.ok) ? 0 : 1;
  });

const env = program.command('env').description('environments');
env
  .command('list')
  .option('--json', 'print JSON')
  .action(async (opts) => printView(await api().listEnvironments(), opts.json, renderEnvironments));
const dataset = program.command('dataset').description('datasets');
dataset
  .command('list')
  .option('--json', 'print JSON')
  .action(async (opts) => printView(await api().listDatasets(), opts.json, renderDatasets));
dataset
  .command('profile <name>')
  .description("feature profile of a version's train split: kind, count, missing, mean/std or top categories per column")
  .option('--version <id>', 'the dataset version (default: the newest stored)')
  .option('--json', 'print JSON (with quantile bins and samples)')
  .action(async (name, opts) => printView(await api().datasetProfile(name, opts.version), opts.json, renderDatasetProfile));
program
  .command('project')
  .description('projects')
  .command('list')
  .option('--json', 'print JSON')
  .action(async (opts) => printView(await api().listProjects(), opts.json, renderProjects));

const run = program.command('run').description('pipeline runs');
run
  .command('start')
  .requiredOption('-p, --project <name>', 'project to run')
  .option('--param <key=value>', 'override a parameter (repeatable; extras.<name>=v for extras)', collect, [])
  .option('--timeout <seconds>', 'run_policy.timeout_seconds for each stage')
  .option('--retries <count>', 'run_policy.retry_count_limit')
  .option('-w, --watch', 'follow the run until it ends')
  .option('--idempotency-key <key>', 'start at most one run for this key; repeating the command prints the same run id')
  .option('--no-cache', 'run every stage, even one whose inputs match a completed stage')
  .option('--source-snapshot <digest>', "train on a stored source snapshot (a workspace's `kiln workspace snapshot`)")
  .action(async (opts) => {
    const runPolicy: Record<string, unknown> = {};
    if (opts.timeout !== undefined) runPolicy.timeout_seconds = Number(opts.timeout);
    if (opts.retries !== undefined) runPolicy.retry_count_limit = Number(opts.retries);
    const started = await api().startRun(
      {
        project: opts.project,
        params: parseParamFlags(opts.param),
        run_policy: runPolicy,
        trigger: 'manual',
        ...(opts.cache === false ? { cache: false } : {}),
        ...(opts.sourceSnapshot ? { source_snapshot: opts.sourceSnapshot } : {}),
      },
      { idempotencyKey: opts.idempotencyKey },
    );
    process.stdout.write(`${started.run_id}\n`);
    if (started.existing) process.stderr.write(`idempotency key already used: existing run, ${started.status}\n`);
    if (started.web_ui_url) process.stderr.write(`web ui: ${started.web_ui_url}\n`);
    if (opts.watch) process.exitCode = exitCodeOf((await watchRun(api(), started.run_id)).status);
  });
run
  .command('status <runId>')
  .option('--json', 'print JSON')
  .action(async (runId, opts) => {
    const view = await api().getRun(runId);
    if (opts.json) print(view);
    else process.stdout.write(`${renderRun(view).join('\n')}\n`);
    return;
  });
run
  .command('watch <runId>')
  .description('live progress until the run ends')
  .action(async (runId) => {
    process.exitCode = exitCodeOf((await watchRun(api(), runId)).status);
  });
run
  .command('resume <runId>')
  .description('start a new run that reuses the completed stages of a failed, cancelled or rejected run and runs the rest')
  .option('-w, --watch', 'follow the new run until it ends')
  .action(async (runId, opts) => {
    const resumed = await api().resumeRun(runId);
    process.stdout.write(`${resumed.run_id}\n`);
    process.stderr.write(`resumes ${resumed.resumed_from}; reused: ${resumed.reused_stages.join(', ') || 'nothing'}\n`);
    if (resumed.web_ui_url) process.stderr.write(`web ui: ${resumed.web_ui_url}\n`);
    if (opts.watch) process.exitCode = exitCodeOf((await watchRun(api(), resumed.run_id)).status);
  });
run.command('cancel <runId>').action(async (runId) => print(await api().cancelRun(runId)));
run
  .command('list')
  .option('-p, --project <name>')
  .option('--status <status>')
  .option('--trigger <kind>', 'schedule, new_data, drift, manual or api')
  .option('--schedule <name>')
  .option('--limit <n>', 'at most n runs', '20')
  .option('--json', 'print JSON')
  .action(async (opts) => {
    const runs = await api().listRuns({
      project: opts.project,
      status: opts.status,
      trigger: opts.trigger,
      schedule: opts.schedule,
      limit: Number(opts.limit),
    });
    if (opts.json) print(runs);
    else process.stdout.write(`${renderRunList(runs as unknown as Parameters<typeof renderRunList>[0]).join('\n')}\n`);
  });

addModelCommands(program, api);
addScheduleCommands(program, api);
addWorkspaceCommands(program, api);
addAccessCommands(program, config, api);

const experiment = program.command('experiment').description('hyperparameter tuning experiments');
experiment
  .command('create')
  .requiredOption('-f, --file <spec.json>', 'experiment spec (JSON)')
  .option('-w, --watch', 'show the live trials table until it ends')
  .action(async (opts) => {
    const created = await api().createExperiment(parseSpec(ExperimentSpec, readJsonFile(opts.file)));
    process.stdout.write(`${created.experiment_id}\n`);
    if (created.web_ui_url) process.stderr.write(`web ui: ${created.web_ui_url}\n`);
    if (opts.watch) process.exitCode = (await watchExperiment(api(), created.experiment_id)).status === 'succeeded' ? 0 : 1;
  });
experiment
  .command('status <id>')
  .option('--json', 'print JSON')
  .option('-w, --watch', 'live trials table until it ends')
  .action(async (id, opts) => {
    if (opts.watch) return void (process.exitCode = (await watchExperiment(api(), id)).status === 'succeeded' ? 0 : 1);
    const view = await api().getExperiment(id);
    if (opts.json) print(view);
    else process.stdout.write(`${renderExperiment(view).join('\n')}\n`);
  });
experiment
  .command('list')
  .option('-p, --project <name>')
  .option('--limit <n>', 'at most n experiments', '20')
  .option('--json', 'print JSON')
  .action(async (opts) => printView(await api().listExperiments({ project: opts.project, limit: Number(opts.limit) }), opts.json, renderExperimentList));
experiment.command('best <id>').action(async (id) => print(await api().bestTrial(id)));
experiment
  .command('promote <id>')
  .description('run the best trial on through the validation gate, registry and serving')
  .option('-w, --watch', 'follow the new run until it ends')
  .action(async (id, opts) => {
    const promoted = await api().promoteBestTrial(id);
    process.stdout.write(`${promoted.run_id}\n`);
    process.stderr.write(`promotes trial ${promoted.trial}; reused: ${promoted.reused_stages.join(', ')}\n`);
    if (opts.watch) process.exitCode = exitCodeOf((await watchRun(api(), promoted.run_id)).status);
  });
experiment.command('stop <id>').action(async (id) => print(await api().stopExperiment(id)));
experiment
  .command('extend <id>')
  .requiredOption('--max-trials <n>', 'the new max_trial_count')
  .action(async (id, opts) => {
    process.stdout.write(`${renderExperiment(await api().extendExperiment(id, Number(opts.maxTrials))).join('\n')}\n`);
  });
program
  .command('predict <model>')
  .requiredOption('--instances <json>', 'JSON array of instances, e.g. [[1.0, 2.0]]')
  .action(async (model, opts) => {
    let instances: unknown;
    try {
      instances = JSON.parse(opts.instances);
    } catch {
      throw new SpecValidationError([{ path: 'instances', message: 'not valid JSON' }]);
    }
    print(await api().predict(model, parseSpec(PredictRequest, { instances }).instances));
  });

/** Where the CLI looked for a token, so a 401 says what to do. */
function tokenHint(): string {
  const { source } = cliToken(config);
  if (source === 'none')
    return `hint: no token found. Run the CLI in the directory \`kiln up\` runs in (it reads ${homePaths(config.home).adminToken}), or set KILN_TOKEN, or \`kiln login --url ${config.apiUrl} --token-stdin\``;
  return `hint: the token from ${source} was refused (expired, revoked, or for another installation); \`kiln login --url ${config.apiUrl} --token-stdin\` saves another`;
}

function exitCodeOf(status: string): number {
  return status === 'succeeded' ? 0 : 1;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof KilnApiError || error instanceof SpecValidationError) {
    const fields = error instanceof KilnApiError ? error.fields : error.problems;
    if (fields.length) for (const f of fields) process.stderr.write(`error: ${f.path ? `${f.path}: ` : ''}${f.message}\n`);
    else process.stderr.write(`error: ${error.message}\n`);
    if (error instanceof KilnApiError && error.status === 401) process.stderr.write(`${tokenHint()}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
