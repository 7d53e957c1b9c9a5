/** How long and how much an ExpiringCache keeps. */
export interface ExpiringCacheOptions {
  /** How long an entry is used before it is loaded again, in ms. Default 5 000. */
  ttlMs?: number;
  /** Most entries held; the oldest goes first. Default 10 000. */
  maxEntries?: number;
  /**
   * The writes that could change a loaded value, as a counter: an entry is used only while the
   * counter is what it was when its load began. Default: never changes.
   */
  generation?: () => number;
  /** A monotonic clock in ms. Default `performance.now`. */
  clock?: () => number;
}

interface Entry<V> {
  value: Promise<V>;
  until: number;
  generation: number;
}

/**
 * Values loaded by key, each kept for a bounded time and dropped at once when the generation
 * moves on. Concurrent misses of one key share one load; a failed load is not kept.
 */
export class ExpiringCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly generation: () => number;
  private readonly clock: () => number;

  constructor(options: ExpiringCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 5_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.generation = options.generation ?? (() => 0);
    this.clock = options.clock ?? (() => performance.now());
  }

  get(key: K, load: (key: K) => Promise<V>): Promise<V> {
    const now = this.clock();
    // Read before loading: a write that lands while the load runs leaves the entry stale at once.
    const generation = this.generation();
    const hit = this.entries.get(key);
    if (hit && hit.until > now && hit.generation === generation) return hit.value;
    if (hit) this.entries.delete(key);
    else if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
    const entry: Entry<V> = { value: load(key), until: now + this.ttlMs, generation };
    this.entries.set(key, entry);
    entry.value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return entry.value;
  }

  get size(): number {
    return this.entries.size;
  }
}
