/**
 * Whether the challenger answers the request keyed `key` at `percent`. Deterministic per key
 * (FNV-1a over the key, mod 100): a client retrying with the same request id meets the same
 * version, and the observed share converges on `percent` over many keys.
 */
export function challengerTakes(key: string, percent: number): boolean {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 100 < percent;
}
