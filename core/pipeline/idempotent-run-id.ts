import { createHash } from 'node:crypto';
import { SpecValidationError } from '../errors.js';
import { canonicalJson } from '../specs/canonical-json.js';

/**
 * Idempotent starts: an idempotency key maps to one workflow id, so Temporal itself decides
 * which of several racing starts wins. Uses node:crypto, so workflows must not import it.
 */

/** The header (and CLI flag `--idempotency-key`) that carries the key. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

const PRINTABLE_ASCII = /^[\x20-\x7e]{1,200}$/;

/**
 * `<project>-key-<first 16 hex of sha256(project NUL key)>`: the same key always names the same
 * run. Later generations (`…-g2`, `…-g3`) are the runs the key starts once the namespace's
 * retention has removed the earlier ones from Temporal (see core/runs/keyed-run-id.ts).
 */
export function idempotentRunId(project: string, key: string, generation = 1): string {
  const id = `${project}-key-${sha256(`${project}\0${key}`).slice(0, 16)}`;
  return generation > 1 ? `${id}-g${generation}` : id;
}

/** An absent key is `undefined`; a present one must be 1–200 printable ASCII characters. */
export function parseIdempotencyKey(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && PRINTABLE_ASCII.test(value)) return value;
  throw new SpecValidationError([{ path: IDEMPOTENCY_KEY_HEADER, message: 'must be 1 to 200 printable ASCII characters' }]);
}

/** A digest of a validated request, independent of key order, to tell a retry from a different request. */
export function requestDigest(request: unknown): string {
  return sha256(canonicalJson(request));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
