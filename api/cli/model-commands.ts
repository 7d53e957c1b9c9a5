import type { Command } from 'commander';
import type { KilnApiClient } from '../client/kiln-api-client.js';
import { printJson, printView } from './output.js';
import { renderModel, renderPending } from './render-model.js';
import { renderMonitoring } from './render-monitoring.js';

/** `kiln model …`: the registry, aliases, approvals and rollback. */
export function addModelCommands(program: Command, api: () => KilnApiClient): void {
  const model = program.command('model').description('model registry: versions, aliases (champion serves), approvals');
  model.command('list [name]').action(async (name) => printJson(await api().listModelVersions(name)));
  model
    .command('show <name>')
    .description('versions, aliases, the alias history and the schedules that feed the model')
    .option('--json', 'print JSON')
    .action(async (name, opts) => printView(await api().showModel(name), opts.json, renderModel));
  model
    .command('monitor <name>')
    .description("the latest monitoring report: each feature's drift (PSI, test, p-value) and live quality beside the test metrics")
    .option('--json', 'print JSON')
    .action(async (name, opts) => printView(await api().monitoring(name, 1), opts.json, renderMonitoring));
  model
    .command('rollback <name>')
    .description('serve the version that served before the current one (or --to-version N) again; champion moves back')
    .option('--to-version <n>', 'the registered version to serve')
    .option('--reason <text>', 'why (kept in the alias history)')
    .action(async (name, opts) =>
      printJson(await api().rollbackModel(name, opts.toVersion === undefined ? undefined : Number(opts.toVersion), opts.reason ? { reason: opts.reason } : {})),
    );
  for (const decision of ['approve', 'reject'] as const) {
    model
      .command(`${decision} <name>`)
      .description(
        decision === 'approve'
          ? 'approve a run waiting for approval: its version serves and becomes champion'
          : 'reject a run waiting for approval: its version stays challenger',
      )
      .requiredOption('--run <id>', 'the waiting run')
      .option('--reason <text>', 'why (kept in the run and the alias history)')
      .action(async (name, opts) => {
        const result = await api().decide(name, decision, { run_id: opts.run, ...(opts.reason ? { reason: opts.reason } : {}) });
        process.stdout.write(`${result.decision} ${result.model} v${result.version} (run ${result.run_id}) by ${result.by}\n`);
      });
  }
  model
    .command('pending [name]')
    .description('runs waiting for approval')
    .option('--json', 'print JSON')
    .action(async (name, opts) => printView(await api().pendingApprovals(name), opts.json, renderPending));
  const alias = model.command('alias').description('user aliases (staging, candidate, …); champion moves by promotion, approval or rollback');
  alias
    .command('set <name> <alias> <version>')
    .option('--reason <text>', 'why (kept in the alias history)')
    .action(async (name, aliasName, version, opts) =>
      printJson(await api().setAlias(name, { alias: aliasName, version: Number(version), ...(opts.reason ? { reason: opts.reason } : {}) })),
    );
  alias.command('delete <name> <alias>').action(async (name, aliasName) => printJson(await api().deleteAlias(name, aliasName)));
}
