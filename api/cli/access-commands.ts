import type { Command } from 'commander';
import type { KilnConfig } from '../../core/config.js';
import { SpecValidationError } from '../../core/errors.js';
import { KilnApiClient } from '../client/kiln-api-client.js';
import { saveLogin } from './credentials.js';
import { printJson, printView, textTable } from './output.js';

const collect = (value: string, previous: string[]) => [...previous, value];
const table = textTable;

/** `kiln login|whoami|user|service-account|role|binding|token|audit`: who may do what. */
export function addAccessCommands(program: Command, config: KilnConfig, api: () => KilnApiClient): void {
  program
    .command('login')
    .description('save a token for an API (checked first); KILN_TOKEN overrides it')
    .option('--url <url>', 'the API', config.apiUrl)
    .option('--token <token>', 'the token (prefer --token-stdin: a flag shows in the process list)')
    .option('--token-stdin', 'read the token from standard input')
    .action(async (opts) => {
      const token = opts.tokenStdin ? (await readStdin()).trim() : opts.token;
      if (!token) throw new SpecValidationError([{ path: 'token', message: 'give --token-stdin (or --token)' }]);
      const me = await new KilnApiClient(opts.url, { token }).whoami();
      saveLogin(config.credentialsFile, opts.url, token);
      process.stdout.write(`logged in to ${opts.url} as ${me.principal} (saved in ${config.credentialsFile})\n`);
    });
  program
    .command('logout')
    .option('--url <url>', 'the API', config.apiUrl)
    .action((opts) => {
      saveLogin(config.credentialsFile, opts.url, undefined);
      process.stdout.write(`forgot the token for ${opts.url}\n`);
    });
  program
    .command('whoami')
    .description('who the CLI acts as, and what its bindings grant')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      printView(await api().whoami(), opts.json, (me) => [
        `${me.principal}${me.team ? ` (team ${me.team})` : ''}, authenticated by ${me.authenticated_by}`,
        ...(me.bindings.length
          ? me.bindings.map((b) => `  ${b.role}${b.scope ? ` on ${JSON.stringify(b.scope)}` : ' on everything'}: ${b.permissions.join(', ')}`)
          : ['  no role bindings: ask an admin (kiln binding add)']),
      ]);
    });

  for (const kind of ['user', 'service-account'] as const) {
    const group = program.command(kind).description(kind === 'user' ? 'users (admin)' : 'service accounts for automation (admin)');
    group
      .command('add <name>')
      .option('--team <team>', 'the team its resources belong to')
      .option('--description <text>')
      .action(async (name, opts) =>
        printJson(
          await api().addPrincipal(kind, { name, ...(opts.team ? { team: opts.team } : {}), ...(opts.description ? { description: opts.description } : {}) }),
        ),
      );
    group
      .command('list')
      .option('--json', 'print JSON')
      .action(async (opts) => {
        printView(await api().listPrincipals(kind), opts.json, (list) =>
          table([['NAME', 'TEAM', 'STATE', 'CREATED BY'], ...list.map((p) => [p.name, p.team ?? '-', p.disabled ? 'disabled' : 'active', p.created_by])]),
        );
      });
    group
      .command('disable <name>')
      .description('its tokens stop working; its bindings are removed')
      .action(async (name) => printJson(await api().disablePrincipal(kind, name)));
  }

  const role = program.command('role').description('roles: named sets of permissions (admin)');
  role
    .command('list')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      printView(await api().listRoles(), opts.json, (list) =>
        table([['ROLE', 'KIND', 'PERMISSIONS'], ...list.map((r) => [r.name, r.builtin ? 'built-in' : 'custom', r.permissions.join(', ')])]),
      );
    });
  role
    .command('create <name>')
    .description('create or update a custom role')
    .requiredOption('--permission <p>', 'a permission, "<resource>:*" or "*" (repeatable)', collect, [])
    .option('--description <text>')
    .action(async (name, opts) =>
      printJson(await api().putRole({ name, permissions: opts.permission, ...(opts.description ? { description: opts.description } : {}) })),
    );
  role.command('delete <name>').action(async (name) => printJson(await api().deleteRole(name)));

  const binding = program.command('binding').description('who holds which role, on what (admin)');
  binding
    .command('add <principal> <role>')
    .description('bind user:<name> or service-account:<name> to a role; without --project/--model/--team it covers every resource')
    .option('--project <pattern>', 'only projects matching (e.g. "fraud-*"; repeatable)', collect, [])
    .option('--model <pattern>', 'only models matching (repeatable)', collect, [])
    .option('--team <team>', "only the team's resources (repeatable)", collect, [])
    .action(async (principal, roleName, opts) => {
      const scope = {
        ...(opts.project.length ? { projects: opts.project } : {}),
        ...(opts.model.length ? { models: opts.model } : {}),
        ...(opts.team.length ? { teams: opts.team } : {}),
      };
      printJson(await api().addBinding({ principal, role: roleName, ...(Object.keys(scope).length ? { scope } : {}) }));
    });
  binding
    .command('list')
    .option('--principal <principal>')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      printView(await api().listBindings(opts.principal), opts.json, (list) =>
        table([['ID', 'PRINCIPAL', 'ROLE', 'SCOPE'], ...list.map((b) => [b.id, b.principal, b.role, b.scope ? JSON.stringify(b.scope) : 'everything'])]),
      );
    });
  binding.command('delete <id>').action(async (id) => printJson(await api().deleteBinding(id)));

  const token = program.command('token').description("API tokens: yours, or (admin) a service account's");
  token
    .command('create')
    .requiredOption('--name <name>', 'what it is for')
    .option('--for <principal>', 'another principal (admin), e.g. service-account:ci')
    .option('--expires <duration>', 'lifetime, 1m to 366d', '90d')
    .action(async (opts) => {
      const created = await api().createToken({ name: opts.name, expires_in: opts.expires, ...(opts.for ? { owner: opts.for } : {}) });
      process.stderr.write(`token ${created.id} for ${created.owner}, expires ${created.expires_at}; shown once:\n`);
      process.stdout.write(`${created.token}\n`);
    });
  token
    .command('list')
    .option('--all', "everyone's (admin)")
    .option('--json', 'print JSON')
    .action(async (opts) => {
      printView(await api().listTokens(!!opts.all), opts.json, (list) =>
        table([
          ['ID', 'NAME', 'OWNER', 'EXPIRES', 'LAST USED', 'STATE'],
          ...list.map((t) => [t.id, t.name, t.owner, t.expires_at ?? 'never', t.last_used_at ?? '-', t.revoked ? 'revoked' : 'active']),
        ]),
      );
    });
  token.command('revoke <id>').action(async (id) => printJson(await api().revokeToken(id)));

  program
    .command('audit')
    .description('mutating API calls, newest first')
    .option('--principal <principal>', 'e.g. user:alice')
    .option('--resource <resource>', 'e.g. project:fraud')
    .option('--outcome <outcome>', 'ok, denied, invalid or error')
    .option('--since <time>', 'ISO time')
    .option('--limit <n>', 'at most n events', '50')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const events = await api().audit({ principal: opts.principal, resource: opts.resource, outcome: opts.outcome, since: opts.since, limit: opts.limit });
      printView(events, opts.json, (list) =>
        table([
          ['TIME', 'PRINCIPAL', 'CALL', 'RESOURCE', 'STATUS', 'REQUEST'],
          ...list.map((e) => [e.at, e.principal, `${e.method} ${e.route}`, e.resource ?? '-', `${e.status} ${e.outcome}`, e.requestId]),
        ]),
      );
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
