import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { idempotentRunId, parseIdempotencyKey, requestDigest } from '../../../core/pipeline/idempotent-run-id.js';
import { SpecValidationError } from '../../../core/errors.js';

describe('idempotentRunId', () => {
  it('is <project>-key-<first 16 hex of sha256(project NUL key)>', () => {
    const hex = createHash('sha256').update('iris\0order-42').digest('hex').slice(0, 16);
    expect(idempotentRunId('iris', 'order-42')).toBe(`iris-key-${hex}`);
  });

  it('is the same for the same project and key, so racing starts name one workflow', () => {
    expect(idempotentRunId('iris', 'k')).toBe(idempotentRunId('iris', 'k'));
  });

  it.each([
    ['another key', 'iris', 'k2'],
    ['another project', 'wine', 'k'],
    ['a shifted boundary between project and key', 'iri', 'sk'],
  ])('differs for %s', (_label, project, key) => {
    expect(idempotentRunId(project, key)).not.toBe(idempotentRunId('iris', 'k'));
  });

  it('never looks like a readable run id', () => {
    expect(idempotentRunId('iris', 'k')).toMatch(/^iris-key-[0-9a-f]{16}$/);
  });
});

describe('parseIdempotencyKey', () => {
  it.each(['a', 'order 42/retry:1', '~'.repeat(200), ' !"#$%&'])('accepts %j', (key) => {
    expect(parseIdempotencyKey(key)).toBe(key);
  });

  it('treats an absent key as no key', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
  });

  it.each([
    ['an empty string', ''],
    ['201 characters', 'x'.repeat(201)],
    ['a control character', 'a\tb'],
    ['non-ASCII text', 'clé'],
    ['a non-string', 42],
    ['repeated values', ['a', 'b']],
  ])('rejects %s, naming the header', (_label, key) => {
    expect(() => parseIdempotencyKey(key)).toThrow(SpecValidationError);
    try {
      parseIdempotencyKey(key);
    } catch (error) {
      expect((error as SpecValidationError).problems).toEqual([{ path: 'Idempotency-Key', message: 'must be 1 to 200 printable ASCII characters' }]);
    }
  });
});

describe('requestDigest', () => {
  it('ignores key order at every depth', () => {
    expect(requestDigest({ project: 'p', params: { epochs: 2, extras: { a: 1, b: 2 } } })).toBe(
      requestDigest({ params: { extras: { b: 2, a: 1 }, epochs: 2 }, project: 'p' }),
    );
  });

  it.each([
    ['another value', { project: 'p', params: { epochs: 3 } }],
    ['another field', { project: 'p', params: { epochs: 2, seed: 1 } }],
    ['a value moved between fields', { project: 'p', params: {}, run_policy: { epochs: 2 } }],
  ])('differs for %s', (_label, other) => {
    expect(requestDigest(other)).not.toBe(requestDigest({ project: 'p', params: { epochs: 2 } }));
  });
});
