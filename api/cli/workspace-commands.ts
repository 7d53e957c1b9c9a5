import type { Command } from 'commander';
import { parseSpec } from '../../core/specs/index.js';
import { WorkspaceSpec, type WorkspaceSpecInput } from '../../core/specs/workspace.js';
import type { KilnApiClient } from '../client/kiln-api-client.js';
import type { WorkspaceMetricsView } from '../workspace-metrics-view.js';
import { printLines, printView, textTable } from './output.js';
import { readJsonFile } from './watch-experiment.js';

type WorkspaceView = Awaited<ReturnType<KilnApiClient['getWorkspace']>>;

/** `kiln workspace …`: JupyterLab in a project's environment, stopped when idle, started again with its files. */
export function addWorkspaceCommands(program: Command, api: () => KilnApiClient): void {
  const workspace = program.command('workspace').description('workspaces: JupyterLab in an environment, with a project’s source and dataset');
  workspace
    .command('create [name]')
    .description('create and start a workspace, from flags or a spec file')
    .option('-f, --file <spec.json>', 'workspace spec (JSON)')
    .option('--project <name>', 'copy in its source and dataset; run in its environment')
    .option('--environment <name>', 'run in this environment (instead of, or over, the project’s)')
    .option('--kind <kind>', 'jupyterlab (default) or code-server')
    .option('--idle-timeout <duration>', 'stop after this long without activity (default 30m, at least 1m)')
    .option('--max-lifetime <duration>', 'stop this long after each start')
    .option('--gpus <n>', 'GPUs (default: the environment’s)')
    .action(async (name: string | undefined, opts) => {
      const fromFile = opts.file ? (readJsonFile(opts.file) as WorkspaceSpecInput) : ({} as Partial<WorkspaceSpecInput>);
      const input = {
        ...fromFile,
        ...(name ? { name } : {}),
        ...(opts.project ? { project: opts.project } : {}),
        ...(opts.environment ? { environment: opts.environment } : {}),
        ...(opts.kind ? { kind: opts.kind } : {}),
        ...(opts.idleTimeout ? { idle_timeout: opts.idleTimeout } : {}),
        ...(opts.maxLifetime ? { max_lifetime: opts.maxLifetime } : {}),
        ...(opts.gpus !== undefined ? { resources: { ...fromFile.resources, gpus: Number(opts.gpus) } } : {}),
      };
      // Checked here too, so a typo is named before anything is sent.
      parseSpec(WorkspaceSpec, input);
      const view = await api().createWorkspace(input as WorkspaceSpecInput);
      process.stderr.write(`created workspace ${view.name}; \`kiln workspace open ${view.name}\` once it runs\n`);
      printLines(renderWorkspace(view));
    });
  workspace
    .command('list')
    .option('--json', 'print JSON')
    .action(async (opts) => printView(await api().listWorkspaces(), opts.json, (list) => list.map(workspaceLine)));
  workspace
    .command('show <name>')
    .option('--json', 'print JSON')
    .action(async (name, opts) => printView(await api().getWorkspace(name), opts.json, renderWorkspace));
  workspace
    .command('open <name>')
    .description('print a one-time link (valid 60 s) that opens the workspace through the API; --direct: the server’s own URL and token')
    .option('--direct', 'the server’s own URL with its token (JupyterLab) or its URL and password (code-server), bypassing the API')
    .action(async (name, opts) => {
      const client = api();
      const opened = await client.openWorkspace(name);
      if (!opts.direct) return void process.stdout.write(`${client.baseUrl}${opened.proxy_path}\n`);
      process.stdout.write(opened.kind === 'code-server' ? `${opened.url}\npassword: ${opened.token}\n` : `${opened.url}\n`);
    });
  workspace
    .command('stop <name>')
    .description('stop the server; the files stay')
    .action(async (name) => printLines([`stopping workspace ${(await api().stopWorkspace(name)).name}`]));
  workspace
    .command('start <name>')
    .description('start a stopped workspace again, with its files')
    .action(async (name) => printLines([`starting workspace ${(await api().startWorkspace(name)).name}`]));
  workspace
    .command('snapshot <name>')
    .description("store the workspace's src/ as a source snapshot; `kiln run start -p <project> --source-snapshot <digest>` trains on it")
    .action(async (name) => {
      const snapshot = await api().snapshotWorkspace(name);
      process.stderr.write(`stored ${snapshot.file_count} file(s) of workspace ${name}\n`);
      process.stdout.write(`${snapshot.source_snapshot}\n`);
    });
  workspace
    .command('delete <name>')
    .description('stop the server and delete the workspace with its files')
    .action(async (name) => printLines([`deleting workspace ${(await api().deleteWorkspace(name)).name}`]));
  workspace
    .command('metrics <name>')
    .description("what the workspace's notebooks logged with kiln_sdk's log_metric: each metric's latest value, count and last step")
    .option('--metric <metric>', 'only this metric')
    .option('--json', 'print JSON (every point too)')
    .action(async (name, opts) => printView(await api().workspaceMetrics(name, opts.metric ? { name: opts.metric } : {}), opts.json, renderWorkspaceMetrics));
}

export function renderWorkspaceMetrics(view: WorkspaceMetricsView): string[] {
  const skipped = view.invalid_lines > 0 ? [`(${view.invalid_lines} invalid line(s) in the metrics file skipped)`] : [];
  if (view.metrics.length === 0) return [`workspace ${view.workspace}: no metrics logged yet`, ...skipped];
  const rows = view.metrics.map((m) => [m.name, String(m.last.value), String(m.count), m.last.step === null ? '-' : String(m.last.step), m.last.logged_at]);
  return [...textTable([['METRIC', 'LATEST', 'COUNT', 'LAST STEP', 'LOGGED AT'], ...rows]), ...skipped];
}

function workspaceLine(view: WorkspaceView): string {
  const why = view.reason && view.status !== 'running' ? ` (${view.reason})` : '';
  return `${view.name}  ${view.status}${why}  ${view.kind}  ${view.project ?? '-'}  ${view.environment}  owner ${view.owner}`;
}

export function renderWorkspace(view: WorkspaceView): string[] {
  return [
    `workspace ${view.name}: ${view.status}${view.reason ? ` (${view.reason})` : ''}`,
    `  ${view.kind} in environment ${view.environment}${view.project ? `, project ${view.project}` : ''}; owner ${view.owner}`,
    `  idle_timeout ${view.idle_timeout}${view.max_lifetime ? `, max_lifetime ${view.max_lifetime}` : ''}`,
    `  workflow ${view.workflow_id}${view.started_at ? `, started ${view.started_at}` : ''}`,
  ];
}
