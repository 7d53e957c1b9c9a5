/**
 * Versioning a dataset larger than memory (on demand, not part of the tests):
 * `make bench-dataset` or `npx tsx bench/dataset.ts`.
 *
 * Writes a breast-cancer-like CSV (30 numeric columns and a 0/1 target) of
 * KILN_BENCH_DATASET_MB megabytes (default 2,000) into a temp dir, then versions it in a child
 * process exactly as a run's prepare step does (bench/lib/dataset-version-child.mjs, on the
 * compiled dist/ as `kiln worker` runs: storeDatasetVersion into a filesystem store,
 * recordVersion into SQLite), then again unchanged; KILN_BENCH_DATASET_RUNS times (default 3),
 * each child into a fresh store. The median throughput and the largest peak RSS (VmHWM) are the
 * figures; everything is deleted after.
 * Targets (issue 14): ≤ 256 MiB peak RSS, ≥ 100 MB/s.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { show, summarize, table, verdict, type Row, type Summary } from './lib/report.js';

const MEGABYTES = Number(process.env.KILN_BENCH_DATASET_MB ?? 2000);
/** Runs of the versioning, each in a fresh child: the machine's speed moves one run's figure by a fifth. */
const RUNS = Number(process.env.KILN_BENCH_DATASET_RUNS ?? 3);
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

interface ChildResult {
  newMs: number;
  newCpuMs: number;
  reusedMs: number;
  reused: boolean;
  rows: number;
  trainRows: number;
  baselineRss: number;
  peakRss: number;
}

/** One versioning (new, then unchanged) in a child process of its own, into a fresh store under `dir`. */
async function versionInChild(csv: string, dir: string): Promise<ChildResult> {
  mkdirSync(dir);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [join(import.meta.dirname, 'lib/dataset-version-child.mjs'), csv, dir], {
      maxBuffer: 1024 * 1024,
    });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!existsSync(join(import.meta.dirname, '../dist/core/datasets/store-dataset-version.js')))
    throw new Error('no compiled code in dist/: run make build first');
  const root = mkdtempSync(join(tmpdir(), 'kiln-bench-dataset-'));
  try {
    const csv = join(root, 'data.csv');
    say(`writing a ${MEGABYTES} MB CSV`);
    const bytes = await writeCsv(csv, MEGABYTES * 1e6);
    const results: ChildResult[] = [];
    for (let run = 1; run <= RUNS; run++) {
      say(`versioning it in a child process (${run}/${RUNS})`);
      results.push(await versionInChild(csv, join(root, `store-${run}`)));
    }
    const mb = bytes / 1e6;
    /** MB a second of each run's `ms` (wall or CPU). */
    const rates = (ms: (r: ChildResult) => number) => summarize(results.map((r) => mb / (ms(r) / 1000)));
    const throughput = rates((r) => r.newMs);
    const peakMiB = summarize(results.map((r) => r.peakRss / MiB));
    const perSecond = (s: Summary, unit = 'MB/s') => `${s.median.toFixed(1)} ${unit} [${s.min.toFixed(1)}–${s.max.toFixed(1)}]`;
    const first = results[0]!;
    const rows: Row[] = [
      { metric: 'CSV', value: `${mb.toFixed(0)} MB, ${first.rows.toLocaleString('en')} rows × 31 columns` },
      { metric: 'new version (hash, 2 parses, split, profile, write)', value: show(summarize(results.map((r) => r.newMs)), 's') },
      { metric: 'throughput, new version', value: perSecond(throughput), target: '≥ 100 MB/s', verdict: throughput.median >= 100 ? 'PASS' : 'MISS' },
      // On a busy machine the child waits for a core: its CPU time says what it takes alone.
      {
        metric: 'CPU time, new version',
        value: `${show(summarize(results.map((r) => r.newCpuMs)), 's')}, ${perSecond(
          rates((r) => r.newCpuMs),
          'MB per CPU-second',
        )}`,
      },
      { metric: 'unchanged file again (hash only)', value: perSecond(rates((r) => r.reusedMs)) },
      { metric: 'RSS before versioning', value: `${(first.baselineRss / MiB).toFixed(0)} MiB` },
      // The largest of the runs: memory is a limit, not a typical figure.
      { metric: 'peak RSS (VmHWM), largest run', value: `${peakMiB.max.toFixed(0)} MiB`, target: '≤ 256 MiB', verdict: verdict(peakMiB.max, 256) },
    ];
    console.log(`\nDataset versioning: ${mb.toFixed(0)} MB CSV, filesystem store, SQLite metadata, ${RUNS} runs (median [min–max])\n`);
    console.log(table(rows));
    console.log('\nThroughput PASS/MISS on the median; each run is a fresh child process and an empty store.');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
