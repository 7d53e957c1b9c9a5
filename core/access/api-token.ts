import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API tokens: `kiln_<id>_<secret>`. The id finds the record; only the secret's SHA-256 is
 * stored (a 256-bit random secret needs no slow hash), so a leaked database yields no tokens.
 */
export interface NewApiToken {
  id: string;
  /** The whole token, shown once. */
  token: string;
  secretSha256: string;
}

const TOKEN_SHAPE = /^kiln_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export function generateApiToken(): NewApiToken {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `kiln_${id}_${secret}`, secretSha256: sha256(secret) };
}

/** The id and secret hash of something that looks like an API token; undefined otherwise. */
export function parseApiToken(token: string): { id: string; secretSha256: string } | undefined {
  const match = TOKEN_SHAPE.exec(token);
  return match ? { id: match[1]!, secretSha256: sha256(match[2]!) } : undefined;
}

export function looksLikeApiToken(token: string): boolean {
  return token.startsWith('kiln_');
}

export function secretsEqual(aHex: string, bHex: string): boolean {
  const a = Buffer.from(aHex, 'hex');
  const b = Buffer.from(bHex, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** One-shot (no Hash object): this runs on every request a token authenticates. */
function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}
