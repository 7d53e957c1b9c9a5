import type { OidcSettings } from '../config.js';
import { UnauthenticatedError } from '../errors.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { AccessGrant, type Grant } from './access-grant.js';
import { looksLikeApiToken, parseApiToken, secretsEqual } from './api-token.js';
import { OidcVerifier } from './oidc-verifier.js';
import type { Principal } from './principal.js';
import { builtinRole } from './roles.js';

export type AuthMode = 'tokens' | 'tokens+oidc';

/** Who a bearer token belongs to, and what that principal may do. */
export class Authenticator {
  private readonly oidc: OidcVerifier | undefined;

  constructor(
    private readonly metadata: MetadataStore,
    oidc: OidcSettings | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.oidc = oidc && new OidcVerifier(oidc);
  }

  get mode(): AuthMode {
    return this.oidc ? 'tokens+oidc' : 'tokens';
  }

  /** The principal behind an `Authorization` header value; UnauthenticatedError otherwise (never says which check failed beyond the kind). */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw new UnauthenticatedError('an API token is required: send "Authorization: Bearer <token>" (see `kiln token create`)');
    const bearer = match[1]!;
    if (looksLikeApiToken(bearer)) return this.fromApiToken(bearer);
    if (this.oidc) {
      const user = await this.oidc.verify(bearer);
      return { kind: 'user', name: user.name, team: user.team, via: { type: 'oidc' } };
    }
    throw new UnauthenticatedError('not a Kiln API token (OIDC tokens are not enabled here)');
  }

  private async fromApiToken(bearer: string): Promise<Principal> {
    const parsed = parseApiToken(bearer);
    const record = parsed && (await this.metadata.tokens.get(parsed.id));
    if (!parsed || !record || !secretsEqual(record.secretSha256, parsed.secretSha256)) throw new UnauthenticatedError('unknown API token');
    if (record.revokedAt !== null) throw new UnauthenticatedError(`API token ${record.id} was revoked`);
    if (record.expiresAt !== null && record.expiresAt <= this.now())
      throw new UnauthenticatedError(`API token ${record.id} expired on ${new Date(record.expiresAt).toISOString()}`);
    const principal = await this.metadata.access.getPrincipal(record.principal.kind, record.principal.name);
    if (!principal || principal.disabledAt !== null) throw new UnauthenticatedError(`${record.principal.kind} ${record.principal.name} is disabled`);
    await this.metadata.tokens.touch(record);
    return { kind: principal.kind, name: principal.name, team: principal.team, via: { type: 'token', tokenId: record.id } };
  }

  /** The principal's bindings with their roles' permissions (a binding to a deleted role grants nothing). */
  async grantOf(principal: Principal): Promise<AccessGrant> {
    const bindings = await this.metadata.access.listBindings(principal);
    const grants: Grant[] = [];
    for (const binding of bindings) {
      const role = builtinRole(binding.role) ?? (await this.metadata.access.getRole(binding.role));
      if (role) grants.push({ role: role.name, permissions: role.permissions, scope: binding.scope });
    }
    return new AccessGrant(grants);
  }
}
