import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateApiToken, parseApiToken, secretsEqual } from '../../../core/access/api-token.js';

describe('API tokens', () => {
  it('hash their secret as tokens stored by earlier versions were (SHA-256 of the secret, hex)', () => {
    const secret = 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWp';
    const parsed = parseApiToken(`kiln_0123456789abcdef_${secret}`);
    expect(parsed).toEqual({ id: '0123456789abcdef', secretSha256: createHash('sha256').update(secret).digest('hex') });
  });

  it('a generated token parses back to its id and stored hash', () => {
    const made = generateApiToken();
    const parsed = parseApiToken(made.token)!;
    expect(parsed.id).toBe(made.id);
    expect(secretsEqual(parsed.secretSha256, made.secretSha256)).toBe(true);
    expect(secretsEqual(parsed.secretSha256, parseApiToken(generateApiToken().token)!.secretSha256)).toBe(false);
  });

  it('anything not shaped like a token parses to nothing', () => {
    for (const bad of [
      'kiln_short_x',
      `kiln_0123456789ABCDEF_${'a'.repeat(43)}`,
      `kiln_0123456789abcdef_${'a'.repeat(42)}`,
      `bearer_0123456789abcdef_${'a'.repeat(43)}`,
    ])
      expect(parseApiToken(bad)).toBeUndefined();
  });
});
