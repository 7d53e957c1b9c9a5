/**
 * A dataset larger than the heap versions: a 100 MB CSV in a process whose JavaScript heap is
 * capped at 64 MiB. Reading it whole, as Kiln did before, needs a 100 MB string on that heap.
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHILD = join(import.meta.dirname, '../../support/version-dataset-child.ts');
const MiB = 1024 * 1024;

/** 31 columns like the breast-cancer example's; one megabyte of rows written again and again, each time with other labels. */
async function writeCsv(path: string, megabytes: number): Promise<number> {
  const out = createWriteStream(path);
  out.write(`${Array.from({ length: 30 }, (_, i) => `f${i}`).join(',')},target\n`);
  let state = 3;
  const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const rows: string[] = [];
  for (let size = 0; size < MiB; size += rows.at(-1)!.length + 3) rows.push(Array.from({ length: 30 }, () => (random() * 1000).toFixed(3)).join(','));
  let written = 0;
  for (let block = 0; block < megabytes; block++) {
    const text = rows.map((row, i) => `${row},${(i + block) % 3 === 0 ? 1 : 0}\n`).join('');
    written += rows.length;
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return written;
}

describe('versioning a file larger than the heap', () => {
  let dir: string;
  let rows: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-big-dataset-'));
    rows = await writeCsv(join(dir, 'big.csv'), 100);
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('streams a 100 MB CSV with a 64 MiB heap, every row on one side, in bounded RSS', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--max-old-space-size=64',
      // The young generation pinned at Node 20's size: Node 24's default lets it grow some 80 MiB
      // larger before collecting, which is the runtime's choice, not memory the streaming holds.
      '--max-semi-space-size=16',
      '--import',
      'tsx',
      CHILD,
      join(dir, 'big.csv'),
      join(dir, 'store'),
    ]);
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { rows: number; trainRows: number; testRows: number; baselineRss: number; peakRss: number };
    console.log(`RSS before versioning ${(result.baselineRss / MiB).toFixed(0)} MiB, peak ${(result.peakRss / MiB).toFixed(0)} MiB`);
    expect(result.rows).toBe(rows);
    expect(result.trainRows + result.testRows).toBe(rows);
    // The growth, not the total: the runtime's own share differs between Node versions.
    expect(result.peakRss - result.baselineRss).toBeLessThan(128 * MiB);
    const manifest = JSON.parse(
      await readFile(join(dir, 'store/datasets/big', (await import('node:fs')).readdirSync(join(dir, 'store/datasets/big'))[0]!, 'dataset.json'), 'utf8'),
    );
    expect(manifest.test_rows).toBe(result.testRows);
  }, 300_000);
});
