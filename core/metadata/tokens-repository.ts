import type { PrincipalKind } from '../access/principal.js';
import type { KilnDb } from './conflict-writes.js';
import { WriteGeneration } from './write-generation.js';
import type { ApiTokensTable } from './tables.js';

export interface TokenRecord {
  id: string;
  secretSha256: string;
  principal: { kind: PrincipalKind; name: string };
  name: string;
  createdBy: string;
  createdAt: number;
  /** null: never expires (only the admin token `kiln up` writes). */
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** How often a token's last-used time is written: not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** API tokens by id; the secret itself is never stored. */
export class TokensRepository {
  /** Moves on with every token added or revoked through this store, for caches of token records; a use (`touch`) is no change. */
  readonly generation = new WriteGeneration();

  constructor(
    private readonly db: KilnDb,
    private readonly now: () => number = Date.now,
  ) {}

  async add(token: Omit<TokenRecord, 'createdAt' | 'lastUsedAt' | 'revokedAt'>): Promise<TokenRecord> {
    const row: ApiTokensTable = {
      id: token.id,
      secret_sha256: token.secretSha256,
      principal_kind: token.principal.kind,
      principal_name: token.principal.name,
      name: token.name,
      created_by: token.createdBy,
      created_at: this.now(),
      expires_at: token.expiresAt,
      last_used_at: null,
      revoked_at: null,
    };
    await this.generation.around(() => this.db.insertInto('api_tokens').values(row).execute());
    return toToken(row);
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const row = await this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toToken(row);
  }

  async list(principal?: { kind: PrincipalKind; name: string }): Promise<TokenRecord[]> {
    let query = this.db.selectFrom('api_tokens').selectAll();
    if (principal) query = query.where('principal_kind', '=', principal.kind).where('principal_name', '=', principal.name);
    return (await query.orderBy('created_at').execute()).map(toToken);
  }

  async revoke(id: string): Promise<boolean> {
    const result = await this.generation.around(() =>
      this.db.updateTable('api_tokens').set({ revoked_at: this.now() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) > 0;
  }

  /** Records a use, at most once a minute per token; returns the token's last-used time as stored now. */
  async touch(token: TokenRecord): Promise<number> {
    const now = this.now();
    if (token.lastUsedAt !== null && now - token.lastUsedAt < LAST_USED_RESOLUTION_MS) return token.lastUsedAt;
    await this.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', token.id).execute();
    return now;
  }
}

function toToken(row: ApiTokensTable): TokenRecord {
  const n = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: row.id,
    secretSha256: row.secret_sha256,
    principal: { kind: row.principal_kind as PrincipalKind, name: row.principal_name },
    name: row.name,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    expiresAt: n(row.expires_at),
    lastUsedAt: n(row.last_used_at),
    revokedAt: n(row.revoked_at),
  };
}
