import type { RolloutSpecInput } from '../../core/specs/rollout.js';
import type { Command } from 'commander';
import type { KilnApiClient } from '../client/kiln-api-client.js';
import { printJson, printView } from './output.js';
import { type ModelVersionRow, renderModelVersions } from './render-catalog.js';
import { renderModel, renderPending } from './render-model.js';
import { renderMonitoring } from './render-monitoring.js';

/** `kiln model …`: the registry, aliases, approvals and rollback. */
export function addModelCommands(program: Command, api: () => KilnApiClient): void {
  const model = program.command('model').description('model registry: versions, aliases (champion serves), approvals');
  model
    .command('list [name]')
    .option('--json', 'print JSON')
    .action(async (name, opts) => printView((await api().listModelVersions(name)) as unknown as ModelVersionRow[], opts.json, renderModelVersions));
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
  model
    .command('rollout <name>')
    .description(
      'roll --version out beside the serving one: --canary <percent> or --shadow for --duration, then promoted or rolled back; --replace swaps at once',
    )
    .requiredOption('--version <n>', 'the registered version to roll out')
    .option('--canary <percent>', 'share of requests (1-99) the new version answers')
    .option('--shadow', 'the new version gets a copy of every request; its answers are logged and compared, never returned')
    .option('--replace', 'serve the new version at once (no observation)')
    .option('--duration <d>', 'how long to observe (e.g. 10m)')
    .option('--max-error-rate <rate>', 'canary: roll back above this error rate (0.01)')
    .option('--max-p95-ms <ms>', 'canary: roll back above this p95 latency (50)')
    .option('--max-prediction-psi <psi>', "canary: roll back when its predictions' PSI against the champion's exceeds this")
    .action(async (name, opts) => printJson(await api().startRollout(name, { version: Number(opts.version), rollout: rolloutFromOptions(opts) })));
  model
    .command('rollout-status <name>')
    .description("the model's running (else latest) rollout and the challenger's live numbers")
    .action(async (name) => printJson(await api().currentRollout(name)));
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

/** The rollout spec the flags describe; the API validates it (a bad percent is a 400 naming rollout.percent). */
export function rolloutFromOptions(opts: Record<string, string | boolean | undefined>): RolloutSpecInput {
  const num = (flag: string) => (opts[flag] === undefined ? {} : { [flag.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)]: Number(opts[flag]) });
  const duration = typeof opts.duration === 'string' ? { duration: opts.duration } : {};
  if (opts.replace) return { strategy: 'replace' };
  if (opts.shadow) return { strategy: 'shadow', ...duration };
  return {
    strategy: 'canary',
    percent: Number(opts.canary ?? Number.NaN),
    ...duration,
    ...num('maxErrorRate'),
    ...num('maxP95Ms'),
    ...num('maxPredictionPsi'),
  } as RolloutSpecInput;
}
