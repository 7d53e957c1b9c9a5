import { describe, expect, it } from 'vitest';
import { ExpiringCache } from '../../../core/access/expiring-cache.js';

function setUp(options: { ttlMs?: number; maxEntries?: number } = {}) {
  const state = { clock: 0, generation: 0, loads: 0 };
  const cache = new ExpiringCache<string, string>({ ...options, clock: () => state.clock, generation: () => state.generation });
  const load = async (key: string) => `${key}#${++state.loads}`;
  return { state, cache, load };
}

describe('ExpiringCache', () => {
  it('reuses a value until its TTL has passed', async () => {
    const { state, cache, load } = setUp({ ttlMs: 1_000 });
    expect(await cache.get('a', load)).toBe('a#1');
    state.clock = 999;
    expect(await cache.get('a', load)).toBe('a#1');
    state.clock = 1_000;
    expect(await cache.get('a', load)).toBe('a#2');
  });

  it('loads again as soon as the generation moves on', async () => {
    const { state, cache, load } = setUp();
    expect(await cache.get('a', load)).toBe('a#1');
    state.generation += 1;
    expect(await cache.get('a', load)).toBe('a#2');
    expect(await cache.get('a', load)).toBe('a#2');
  });

  it('does not keep a value whose load overlapped a write', async () => {
    const { state, cache } = setUp();
    let release!: () => void;
    const slow = cache.get('a', () => new Promise<string>((resolve) => (release = () => resolve('before the write'))));
    state.generation += 1;
    release();
    expect(await slow).toBe('before the write');
    expect(await cache.get('a', async () => 'after the write')).toBe('after the write');
  });

  it('shares one load between concurrent misses and keeps no failure', async () => {
    const { cache } = setUp();
    let loads = 0;
    const failing = () => (loads++, Promise.reject(new Error('db down')));
    await expect(Promise.all([cache.get('a', failing), cache.get('a', failing)])).rejects.toThrow('db down');
    expect(loads).toBe(1);
    expect(await cache.get('a', async () => 'fine')).toBe('fine');
  });

  it('holds at most maxEntries, dropping the oldest', async () => {
    const { cache, load } = setUp({ maxEntries: 2 });
    await cache.get('a', load);
    await cache.get('b', load);
    await cache.get('c', load);
    expect(cache.size).toBe(2);
    expect(await cache.get('a', load)).toBe('a#4');
    expect(await cache.get('c', load)).toBe('c#3');
  });
});
