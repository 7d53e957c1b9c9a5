import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshS3Store, S3_SERVERS, type S3Fixture } from '../../support/s3-test-stores.js';
import { patternStream, writePatternFile } from './pattern-file.js';

const MiB = 1024 * 1024;
const SIZE = 50 * MiB;
// One 8 MiB part in flight plus stream buffers (8-20 MiB measured on a busy machine); a store
// that held the object needs all of SIZE (77-94 MiB measured), so 60% of SIZE still tells them apart.
const MEMORY_BUDGET = 0.6 * SIZE;

// Live memory, not garbage awaiting collection: samples collect first, and freed Buffers are
// swept during the collection rather than later on another thread.
setFlagsFromString('--expose-gc');
setFlagsFromString('--no-concurrent-array-buffer-sweeping');
const gc = runInNewContext('gc') as (options: object) => void;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Live JS heap plus Buffer memory, right after a full collection. */
function liveMemory(): number {
  gc({ type: 'major', execution: 'sync' });
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** Runs `work` while sampling live memory every ~25 ms; returns its peak growth over the start. */
async function peakMemoryGrowth(work: () => Promise<void>): Promise<number> {
  const start = liveMemory();
  let peak = start;
  let done = false;
  const sampler = (async () => {
    while (!done) {
      peak = Math.max(peak, liveMemory());
      await sleep(20);
    }
  })();
  try {
    await work();
  } finally {
    done = true;
    await sampler;
  }
  return peak - start;
}

async function sha256Of(stream: AsyncIterable<unknown>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

for (const { name, urlKey } of S3_SERVERS) {
  describe(`S3ArtifactStore on ${name}: large objects and many keys`, () => {
    let fixture: S3Fixture;
    let localDir: string;
    beforeEach(async () => {
      localDir = await mkdtemp(join(tmpdir(), 'kiln-s3-large-'));
      fixture = freshS3Store(urlKey, { spoolDir: localDir });
      await fixture.store.put('warm-up', 'loads the client and creates the bucket first');
    });
    afterEach(async () => {
      await fixture.cleanup();
      await rm(localDir, { recursive: true, force: true });
    });

    it(`streams a ${SIZE / MiB} MB body up and down without holding it in memory`, async () => {
      const expected = await sha256Of(patternStream(SIZE));
      const growth = await peakMemoryGrowth(async () => {
        const info = await fixture.store.put('large/streamed.bin', patternStream(SIZE));
        expect(info).toMatchObject({ size: SIZE, sha256: expected });
        expect(await sha256Of(await fixture.store.get('large/streamed.bin'))).toBe(expected);
      });
      expect(growth).toBeLessThan(MEMORY_BUDGET);
    }, 120_000);

    it(`copies a ${SIZE / MiB} MB file in and out without holding it in memory`, async () => {
      const source = await writePatternFile(join(localDir, 'in.bin'), SIZE);
      const expected = await sha256Of(createReadStream(source));
      const target = join(localDir, 'out', 'model.bin');
      const growth = await peakMemoryGrowth(async () => {
        expect(await fixture.store.putFile('large/file.bin', source)).toMatchObject({ size: SIZE, sha256: expected });
        await fixture.store.getToFile('large/file.bin', target);
      });
      expect(await sha256Of(createReadStream(target))).toBe(expected);
      expect(growth).toBeLessThan(MEMORY_BUDGET);
    }, 120_000);

    it('lists more keys than one page of the listing holds (1,000)', async () => {
      const keys = Array.from({ length: 1_050 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
      for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((key) => fixture.store.put(key, key)));
      expect(await fixture.store.list('many')).toEqual(keys);
    }, 120_000);
  });
}
