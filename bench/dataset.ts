/**
 * Versioning a dataset larger than memory (on demand, not part of the tests):
 * `make bench-dataset` or `npx tsx bench/dataset.ts`.
 *
 * Writes a breast-cancer-like CSV (30 numeric columns and a 0/1 target) of
 * KILN_BENCH_DATASET_MB megabytes (default 2,000) into a temp dir, then versions it in a child
 * process exactly as a run's prepare step does (bench/lib/dataset-version-child.mjs, on the
 * compiled dist/ as `kiln worker` runs: storeDatasetVersion into a filesystem store,
 * recordVersion into SQLite), then again unchanged.
 * The child's peak RSS (VmHWM) and its throughput are the figures; everything is deleted after.
 * Targets (issue 14): ≤ 256 MiB peak RSS, ≥ 100 MB/s.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { table, verdict, type Row } from './lib/report.js';

const MEGABYTES = Number(process.env.KILN_BENCH_DATASET_MB ?? 2000);
const say = (message: string) => process.stderr.write(`bench: ${message}\n`);
const MiB = 1024 * 1024;

/** Rows like the breast-cancer example's: three scales of measurement, repeated, and a 0/1 target. */
async function writeCsv(path: string, bytes: number): Promise<number> {
  const out = createWriteStream(path);
  const header = `${Array.from({ length: 30 }, (_, i) => `feature_${i}`).join(',')},target\n`;
  out.write(header);
  let size = header.length;
  let state = 14;
  const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296;
  while (size < bytes) {
    let chunk = '';
    for (let row = 0; row < 2000; row++) {
      for (let c = 0; c < 30; c++) chunk += `${(random() * [2000, 30, 0.3][c % 3]!).toFixed([1, 3, 5][c % 3])},`;
      chunk += random() < 0.37 ? '0\n' : '1\n';
    }
    size += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return size;
}

async function main(): Promise<void> {
  if (!existsSync(join(import.meta.dirname, '../dist/core/datasets/store-dataset-version.js')))
    throw new Error('no compiled code in dist/: run make build first');
  const root = mkdtempSync(join(tmpdir(), 'kiln-bench-dataset-'));
  try {
    const csv = join(root, 'data.csv');
    say(`writing a ${MEGABYTES} MB CSV`);
    const bytes = await writeCsv(csv, MEGABYTES * 1e6);
    say('versioning it in a child process');
    const { stdout } = await promisify(execFile)(process.execPath, [join(import.meta.dirname, 'lib/dataset-version-child.mjs'), csv, root], {
      maxBuffer: 1024 * 1024,
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      newMs: number;
      newCpuMs: number;
      reusedMs: number;
      reused: boolean;
      rows: number;
      trainRows: number;
      baselineRss: number;
      peakRss: number;
    };
    const throughput = bytes / 1e6 / (result.newMs / 1000);
    const rows: Row[] = [
      { metric: 'CSV', value: `${(bytes / 1e6).toFixed(0)} MB, ${result.rows.toLocaleString('en')} rows × 31 columns` },
      { metric: 'new version (hash, 2 parses, split, profile, write)', value: `${(result.newMs / 1000).toFixed(1)} s` },
      { metric: 'throughput, new version', value: `${throughput.toFixed(1)} MB/s`, target: '≥ 100 MB/s', verdict: throughput >= 100 ? 'PASS' : 'MISS' },
      // On a busy machine the child waits for a core: its CPU time says what it takes alone.
      {
        metric: 'CPU time, new version',
        value: `${(result.newCpuMs / 1000).toFixed(1)} s, ${(bytes / 1e6 / (result.newCpuMs / 1000)).toFixed(1)} MB per CPU-second`,
      },
      {
        metric: 'unchanged file again (hash only)',
        value: `${(result.reusedMs / 1000).toFixed(1)} s, ${(bytes / 1e6 / (result.reusedMs / 1000)).toFixed(0)} MB/s`,
      },
      { metric: 'RSS before versioning', value: `${(result.baselineRss / MiB).toFixed(0)} MiB` },
      { metric: 'peak RSS (VmHWM)', value: `${(result.peakRss / MiB).toFixed(0)} MiB`, target: '≤ 256 MiB', verdict: verdict(result.peakRss / MiB, 256) },
    ];
    console.log(`\nDataset versioning: ${(bytes / 1e6).toFixed(0)} MB CSV, filesystem store, SQLite metadata\n`);
    console.log(table(rows));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
