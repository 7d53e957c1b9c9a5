import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import { buildSpecOf, type EnvironmentSpec } from './environment.js';

/**
 * sha256 of the canonical build spec (python version, base image, normalised dependencies).
 * Always computed, never accepted from input. Resource limits are runtime settings and do
 * not change what gets built, so they are not part of it.
 */
export function environmentDigest(spec: EnvironmentSpec): string {
  return createHash('sha256')
    .update(canonicalJson(buildSpecOf(spec)))
    .digest('hex');
}
