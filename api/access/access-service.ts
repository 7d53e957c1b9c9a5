import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Client } from '@temporalio/client';
import type { z } from 'zod';
import { generateApiToken, parseApiToken, secretsEqual } from '../../core/access/api-token.js';
import { Authenticator } from '../../core/access/authenticator.js';
import { ExpiringCache } from '../../core/access/expiring-cache.js';
import { principalId, PrincipalSpec, type Principal, type PrincipalKind } from '../../core/access/principal.js';
import type { ResourceRef } from '../../core/access/resource-scope.js';
import { BUILTIN_ROLES, builtinRole, RoleSpec } from '../../core/access/roles.js';
import type { OidcSettings } from '../../core/config.js';
import { ConflictError, ForbiddenError, NotFoundError, SpecValidationError, UnauthenticatedError } from '../../core/errors.js';
import type { BindingRecord, PrincipalRecord } from '../../core/metadata/access-repository.js';
import type { MetadataStore } from '../../core/metadata/metadata-store.js';
import type { OwnedKind } from '../../core/metadata/owners-repository.js';
import type { TokenRecord } from '../../core/metadata/tokens-repository.js';
import { durationMs } from '../../core/specs/duration.js';
import { parseSpec } from '../../core/specs/parse-spec.js';
import type { AuditEntry, ApiSecurity, Caller } from '../http/route-access.js';
import type { SchedulesService } from '../schedules-service.js';
import { type AuditQuery, BindingRequest, TokenRequest } from './access-requests.js';
import { ResourceDirectory } from './resource-directory.js';

export interface AccessServiceDeps {
  metadata: MetadataStore;
  temporal: Client;
  schedules: SchedulesService;
  oidc?: OidcSettings;
  now?: () => number;
}

/** The name `kiln up` gives the administrator it creates on first start. */
export const BOOTSTRAP_ADMIN = 'admin';

/** Users, service accounts, roles, bindings, tokens and the audit log; and what the API server asks of access control. */
export class AccessService implements ApiSecurity {
  readonly authenticator: Authenticator;
  private readonly now: () => number;
  /**
   * Which project and team each model belongs to, for scoped callers' checks (a prediction
   * would otherwise read every project): dropped when a project or an owner is written here,
   * kept at most 5 s otherwise.
   */
  private readonly modelRefs: ExpiringCache<string, ResourceRef>;

  constructor(private readonly deps: AccessServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.authenticator = new Authenticator(deps.metadata, deps.oidc, this.now);
    const { projects, owners } = deps.metadata;
    this.modelRefs = new ExpiringCache({ generation: () => projects.generation.value + owners.generation.value });
  }

  private get metadata() {
    return this.deps.metadata;
  }

  authenticate = (authorization: string | undefined) => this.authenticator.authenticate(authorization);
  grantOf = (principal: Pick<Principal, 'kind' | 'name'>) => this.authenticator.grantOf(principal);
  directory = () => new ResourceDirectory(this.deps, this.modelRefs);
  record = (event: AuditEntry) => this.metadata.audit.append(event);
  claim = (kind: OwnedKind, name: string, principal: Principal) =>
    this.metadata.owners.claim(kind, name, { owner: principalId(principal), team: principal.team });

  /** The caller, its bindings and every permission they grant. */
  async whoami({ principal, grant }: Caller) {
    return {
      principal: principalId(principal),
      kind: principal.kind,
      name: principal.name,
      team: principal.team,
      authenticated_by: principal.via.type === 'token' ? `token ${principal.via.tokenId}` : 'oidc',
      bindings: grant.grants.map((g) => ({ role: g.role, scope: g.scope, permissions: g.permissions })),
    };
  }

  async addPrincipal(kind: PrincipalKind, body: unknown, caller: Caller) {
    const spec = parseSpec(PrincipalSpec, body);
    const { record, created } = await this.metadata.access.addPrincipal({ kind, ...spec }, principalId(caller.principal));
    if (!created) throw new ConflictError(kind, `${kind} ${spec.name} already exists${record.disabledAt ? ' (disabled)' : ''}`);
    return principalView(record);
  }

  async listPrincipals(kind: PrincipalKind) {
    return (await this.metadata.access.listPrincipals(kind)).map(principalView);
  }

  async disablePrincipal(kind: PrincipalKind, name: string, caller: Caller) {
    if (kind === caller.principal.kind && name === caller.principal.name) throw new ConflictError(kind, 'you cannot disable yourself');
    if (!(await this.metadata.access.getPrincipal(kind, name))) throw new NotFoundError(kind, name);
    await this.metadata.access.disablePrincipal(kind, name);
    return { principal: `${kind}:${name}`, disabled: true };
  }

  async putRole(body: unknown, caller: Caller) {
    const spec = parseSpec(RoleSpec, body);
    if (builtinRole(spec.name)) throw new SpecValidationError([{ path: 'name', message: `"${spec.name}" is a built-in role` }]);
    const record = await this.metadata.access.putRole(spec, principalId(caller.principal));
    return { name: record.name, permissions: record.permissions, description: record.description, builtin: false };
  }

  async listRoles() {
    const custom = await this.metadata.access.listRoles();
    return [
      ...BUILTIN_ROLES.map((r) => ({ ...r, builtin: true })),
      ...custom.map((r) => ({ name: r.name, permissions: r.permissions, description: r.description, builtin: false })),
    ];
  }

  async deleteRole(name: string) {
    if (builtinRole(name)) throw new ConflictError('role', `"${name}" is a built-in role`);
    if (await this.metadata.access.roleInUse(name)) throw new ConflictError('role', `role ${name} is bound; delete its bindings first (kiln binding list)`);
    if (!(await this.metadata.access.deleteRole(name))) throw new NotFoundError('role', name);
    return { name, deleted: true };
  }

  async addBinding(body: unknown, caller: Caller) {
    const request = parseSpec(BindingRequest, body);
    const principal = await this.metadata.access.getPrincipal(request.principal.kind, request.principal.name);
    if (!principal || principal.disabledAt !== null)
      throw new SpecValidationError([{ path: 'principal', message: `no ${request.principal.kind} named ${request.principal.name} (create it first)` }]);
    if (!builtinRole(request.role) && !(await this.metadata.access.getRole(request.role)))
      throw new SpecValidationError([{ path: 'role', message: `no role named ${request.role}` }]);
    const binding = await this.metadata.access.addBinding(
      { principal: request.principal, role: request.role, scope: request.scope ?? null },
      principalId(caller.principal),
    );
    return bindingView(binding);
  }

  async listBindings(principal?: string) {
    const ref = principal === undefined ? undefined : parseSpec(BindingRequest.shape.principal, principal, 'principal');
    return (await this.metadata.access.listBindings(ref)).map(bindingView);
  }

  async deleteBinding(id: string) {
    if (!(await this.metadata.access.deleteBinding(id))) throw new NotFoundError('binding', id);
    return { id, deleted: true };
  }

  /** A new token, shown once. Another principal's needs admin:access. */
  async createToken(body: unknown, caller: Caller) {
    const request = parseSpec(TokenRequest, body);
    const owner = request.owner ?? { kind: caller.principal.kind, name: caller.principal.name };
    const forSelf = owner.kind === caller.principal.kind && owner.name === caller.principal.name;
    if (!forSelf && !caller.grant.holdsEverywhere('admin:access'))
      throw new ForbiddenError('admin:access', `${owner.kind}:${owner.name}`, 'a token for another principal needs admin:access');
    // A user known only from OIDC gets a record the first time it makes a token.
    if (forSelf && caller.principal.via.type === 'oidc')
      await this.metadata.access.addPrincipal({ kind: 'user', name: owner.name, ...(caller.principal.team ? { team: caller.principal.team } : {}) }, 'oidc');
    const principal = await this.metadata.access.getPrincipal(owner.kind, owner.name);
    if (!principal || principal.disabledAt !== null) throw new SpecValidationError([{ path: 'owner', message: `no ${owner.kind} named ${owner.name}` }]);
    const token = generateApiToken();
    const record = await this.metadata.tokens.add({
      id: token.id,
      secretSha256: token.secretSha256,
      principal: owner,
      name: request.name,
      createdBy: principalId(caller.principal),
      expiresAt: this.now() + durationMs(request.expires_in),
    });
    return { ...tokenView(record), token: token.token, note: 'shown once: store it now (kiln login --token-stdin)' };
  }

  async listTokens(caller: Caller, all: boolean) {
    if (all && !caller.grant.holdsEverywhere('admin:access'))
      throw new ForbiddenError('admin:access', undefined, "listing everyone's tokens needs admin:access");
    return (await this.metadata.tokens.list(all ? undefined : caller.principal)).map(tokenView);
  }

  async revokeToken(id: string, caller: Caller) {
    const record = await this.metadata.tokens.get(id);
    if (!record) throw new NotFoundError('token', id);
    const own = record.principal.kind === caller.principal.kind && record.principal.name === caller.principal.name;
    if (!own && !caller.grant.holdsEverywhere('admin:access')) throw new NotFoundError('token', id);
    await this.metadata.tokens.revoke(id);
    return { id, revoked: true };
  }

  async auditLog(query: z.output<typeof AuditQuery>) {
    const events = await this.metadata.audit.list({
      ...query,
      since: query.since === undefined ? undefined : Date.parse(query.since),
      limit: query.limit ?? 100,
    });
    return events.map((e) => ({ ...e, at: new Date(e.at).toISOString() }));
  }

  /**
   * On first start: the `admin` user bound to the admin role, and a token for it in `file`
   * (0600), which the CLI on the same data directory reads. A file whose token no longer
   * works (a new database, a revoked token) is replaced. Returns the token.
   */
  async bootstrapAdmin(file: string): Promise<{ token: string; created: boolean } | { token: undefined; created: false }> {
    if (existsSync(file)) {
      const token = readFileSync(file, 'utf8').trim();
      const works = await this.authenticator.authenticate(`Bearer ${token}`).then(
        (p) => p.kind === 'user' && p.name === BOOTSTRAP_ADMIN,
        (error: unknown) => (error instanceof UnauthenticatedError ? false : Promise.reject(error)),
      );
      if (works) return { token, created: false };
    }
    if (!(await this.ensureBootstrapAdmin())) return { token: undefined, created: false };
    const token = generateApiToken();
    // No expiry: it is the local key to this installation, kept in a file only its owner can read.
    await this.metadata.tokens.add({
      id: token.id,
      secretSha256: token.secretSha256,
      principal: { kind: 'user', name: BOOTSTRAP_ADMIN },
      name: 'admin.token',
      createdBy: 'kiln',
      expiresAt: null,
    });
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    chmodSync(dirname(file), 0o700);
    writeFileSync(file, `${token.token}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    return { token: token.token, created: true };
  }

  /**
   * The bootstrap admin with a token an operator provisioned (KILN_ADMIN_TOKEN_FILE, e.g. a
   * Kubernetes Secret every API replica mounts): registered for `admin` unless it already is, so
   * any number of replicas starting at once end with the one token. A token of another principal,
   * or not shaped like a Kiln token, refuses start-up naming the variable.
   */
  async provisionAdminToken(file: string): Promise<{ token: string; created: boolean } | { token: undefined; created: false }> {
    const token = readFileSync(file, 'utf8').trim();
    const parsed = parseApiToken(token);
    if (!parsed) throw new Error(`KILN_ADMIN_TOKEN_FILE: ${file} does not hold a Kiln API token (kiln_<16 of a-z0-9>_<43 of base64url>)`);
    if (!(await this.ensureBootstrapAdmin())) return { token: undefined, created: false };
    const stored = await this.metadata.tokens.get(parsed.id);
    if (!stored) {
      const added = await this.metadata.tokens
        .add({
          id: parsed.id,
          secretSha256: parsed.secretSha256,
          principal: { kind: 'user', name: BOOTSTRAP_ADMIN },
          name: 'admin.token (provisioned)',
          createdBy: 'kiln',
          expiresAt: null,
        })
        .then(
          () => true,
          // Another replica registered it first: checked below like any stored token.
          () => false,
        );
      if (added) return { token, created: true };
    }
    const record = stored ?? (await this.metadata.tokens.get(parsed.id));
    const ours = record?.principal.kind === 'user' && record.principal.name === BOOTSTRAP_ADMIN;
    if (!record || !ours || !secretsEqual(record.secretSha256, parsed.secretSha256)) {
      throw new Error(`KILN_ADMIN_TOKEN_FILE: the token in ${file} is registered for another principal or with another secret`);
    }
    if (record.revokedAt !== null) throw new Error(`KILN_ADMIN_TOKEN_FILE: the token in ${file} was revoked; provision a new one`);
    return { token, created: false };
  }

  /** The bootstrap admin user bound to role admin; false when someone disabled it on purpose. */
  private async ensureBootstrapAdmin(): Promise<boolean> {
    const { record, created } = await this.metadata.access.addPrincipal(
      { kind: 'user', name: BOOTSTRAP_ADMIN, description: 'created by kiln up on first start' },
      'kiln',
    );
    // Someone disabled the bootstrap admin on purpose: do not bring it back.
    if (record.disabledAt !== null) return false;
    const bindings = await this.metadata.access.listBindings({ kind: 'user', name: BOOTSTRAP_ADMIN });
    if (created || !bindings.some((b) => b.role === 'admin' && b.scope === null)) {
      await this.metadata.access.addBinding({ principal: { kind: 'user', name: BOOTSTRAP_ADMIN }, role: 'admin', scope: null }, 'kiln');
    }
    return true;
  }
}

function principalView(p: PrincipalRecord) {
  return {
    principal: `${p.kind}:${p.name}`,
    name: p.name,
    team: p.team,
    description: p.description,
    created_by: p.createdBy,
    created_at: new Date(p.createdAt).toISOString(),
    disabled: p.disabledAt !== null,
  };
}

function bindingView(b: BindingRecord) {
  return {
    id: b.id,
    principal: `${b.principal.kind}:${b.principal.name}`,
    role: b.role,
    scope: b.scope,
    created_by: b.createdBy,
    created_at: new Date(b.createdAt).toISOString(),
  };
}

function tokenView(t: TokenRecord) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: t.id,
    name: t.name,
    owner: `${t.principal.kind}:${t.principal.name}`,
    created_by: t.createdBy,
    created_at: iso(t.createdAt),
    expires_at: iso(t.expiresAt),
    last_used_at: iso(t.lastUsedAt),
    revoked: t.revokedAt !== null,
  };
}
