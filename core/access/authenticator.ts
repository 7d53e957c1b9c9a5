import type { OidcSettings } from '../config.js';
import { UnauthenticatedError } from '../errors.js';
import type { PrincipalRecord } from '../metadata/access-repository.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { TokenRecord } from '../metadata/tokens-repository.js';
import { AccessGrant, type Grant } from './access-grant.js';
import { looksLikeApiToken, parseApiToken, secretsEqual } from './api-token.js';
import { ExpiringCache, type ExpiringCacheOptions } from './expiring-cache.js';
import { OidcVerifier } from './oidc-verifier.js';
import type { Principal } from './principal.js';
import { builtinRole } from './roles.js';

export type AuthMode = 'tokens' | 'tokens+oidc';

/** A token's record and its owner's, as loaded together. */
interface TokenOwner {
  record: TokenRecord;
  principal: PrincipalRecord | undefined;
}

/**
 * Who a bearer token belongs to, and what that principal may do. Token records and grants are
 * cached in memory (`cache`: default 5 s, 10 000 entries each) so a request costs no database
 * read: any write to tokens, principals, roles or bindings through this process's store drops
 * the caches at once; a write by another process is seen within the TTL. The secret, the
 * revocation and the expiry are checked against the record on every request.
 */
export class Authenticator {
  private readonly oidc: OidcVerifier | undefined;
  private readonly tokens: ExpiringCache<string, TokenOwner | undefined>;
  private readonly grants: ExpiringCache<string, AccessGrant>;

  constructor(
    private readonly metadata: MetadataStore,
    oidc: OidcSettings | undefined,
    private readonly now: () => number = Date.now,
    cache: Omit<ExpiringCacheOptions, 'generation'> = {},
  ) {
    this.oidc = oidc && new OidcVerifier(oidc);
    // A principal disabled or a binding removed ends its tokens too: both caches follow both tables.
    const generation = () => metadata.tokens.generation.value + metadata.access.generation.value;
    this.tokens = new ExpiringCache({ ...cache, generation });
    this.grants = new ExpiringCache({ ...cache, generation });
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
    const found = parsed && (await this.tokens.get(parsed.id, (id) => this.loadToken(id)));
    if (!parsed || !found || !secretsEqual(found.record.secretSha256, parsed.secretSha256)) throw new UnauthenticatedError('unknown API token');
    const { record, principal } = found;
    if (record.revokedAt !== null) throw new UnauthenticatedError(`API token ${record.id} was revoked`);
    if (record.expiresAt !== null && record.expiresAt <= this.now())
      throw new UnauthenticatedError(`API token ${record.id} expired on ${new Date(record.expiresAt).toISOString()}`);
    if (!principal || principal.disabledAt !== null) throw new UnauthenticatedError(`${record.principal.kind} ${record.principal.name} is disabled`);
    const lastUsedAt = await this.metadata.tokens.touch(record);
    // The cached record remembers the use, so the next minute's requests write nothing.
    if (lastUsedAt !== record.lastUsedAt) found.record = { ...record, lastUsedAt };
    return { kind: principal.kind, name: principal.name, team: principal.team, via: { type: 'token', tokenId: record.id } };
  }

  private async loadToken(id: string): Promise<TokenOwner | undefined> {
    const record = await this.metadata.tokens.get(id);
    return record && { record, principal: await this.metadata.access.getPrincipal(record.principal.kind, record.principal.name) };
  }

  /** The principal's bindings with their roles' permissions (a binding to a deleted role grants nothing). */
  grantOf(principal: Pick<Principal, 'kind' | 'name'>): Promise<AccessGrant> {
    return this.grants.get(`${principal.kind}:${principal.name}`, () => this.loadGrant(principal));
  }

  private async loadGrant(principal: Pick<Principal, 'kind' | 'name'>): Promise<AccessGrant> {
    const bindings = await this.metadata.access.listBindings(principal);
    const grants: Grant[] = [];
    for (const binding of bindings) {
      const role = builtinRole(binding.role) ?? (await this.metadata.access.getRole(binding.role));
      if (role) grants.push({ role: role.name, permissions: role.permissions, scope: binding.scope });
    }
    return new AccessGrant(grants);
  }
}
