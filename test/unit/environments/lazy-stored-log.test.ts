import { text } from 'node:stream/consumers';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LazyStoredLog } from '../../../activities/lazy-stored-log.js';

describe('LazyStoredLog', () => {
  it('stores nothing when nothing was written', async () => {
    let stores = 0;
    const log = new LazyStoredLog(async () => ++stores);
    expect(await log.close()).toBeUndefined();
    expect(stores).toBe(0);
  });

  it('stores everything written, once, and answers what the store answered', async () => {
    const bodies: Promise<string>[] = [];
    const log = new LazyStoredLog(async (body: Readable) => {
      bodies.push(text(body));
      return { key: 'build-1.log' };
    });
    log.write('one\n');
    log.write('two\n');
    expect(await log.close()).toEqual({ key: 'build-1.log' });
    expect(await log.close()).toEqual({ key: 'build-1.log' });
    expect(bodies).toHaveLength(1);
    expect(await bodies[0]).toBe('one\ntwo\n');
  });

  it('answers undefined when the store write failed: the log never decides the outcome', async () => {
    const log = new LazyStoredLog(async () => {
      throw new Error('bucket gone');
    });
    log.write('line\n');
    expect(await log.close()).toBeUndefined();
  });
});
