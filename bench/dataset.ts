/**
 * Versioning a dataset larger than memory (on demand, not part of the tests):
 * `make bench-dataset` or `npx tsx bench/dataset.ts`.
 *
 * Writes a breast-cancer-like CSV (30 numeric columns and a 0/1 target) of
 * KILN_BENCH_DATASET_MB megabytes (default 2,000) into a temp dir, then versions it in a child
 * process exactly as a run's prepare step does (bench/lib/dataset-version-child.mjs, on the
 * compiled dist/ as `kiln worker` runs: storeDatasetVersion into a filesystem store,
 * recordVersion into SQLite), then again unchanged; KILN_BENCH_DATASET_RUNS times (default 5),
 * each child into a fresh store. The median throughput and the largest peak RSS (VmHWM) are the
 * figures; everything is deleted after.
 * Side by side in the same run, after Kiln's: the same version made by hand, once each way
 * (bench/fixtures/dataset_by_hand.py: sha256, the stratified split of scikit-learn, the source
 * copied, train and test written, the train split profiled), with pandas (read_csv, to_csv,
 * describe: the usual script) and with pyarrow (Arrow's multithreaded CSV reader and writer: the
 * fast one), pinned in a bench environment. Both hold the file in memory.
 * Targets (issue 14): ≤ 256 MiB peak RSS, ≥ 100 MB/s.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EnvironmentSpec } from '../core/specs/index.js';
import { benchEnvironment } from './lib/bench-environment.js';
import { show, summarize, table, verdict, type Row, type Summary } from './lib/report.js';

const MEGABYTES = Number(process.env.KILN_BENCH_DATASET_MB ?? 2000);
/** Runs of the versioning, each in a fresh child: the machine's speed moves one run's figure by a fifth. */
const RUNS = Number(process.env.KILN_BENCH_DATASET_RUNS ?? 5);
/** KILN_BENCH_DATASET_BY_HAND=0 leaves out the by-hand versions (minutes on the full file). */
const BY_HAND = process.env.KILN_BENCH_DATASET_BY_HAND !== '0';
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
  /** The file had a write stamp when the run began: its bytes were hashed once, not twice. */
  stamped: boolean;
  reused: boolean;
  rows: number;
  trainRows: number;
  baselineRss: number;
  peakRss: number;
}

/** The by-hand baseline's packages, pinned (with what they pull in), as the example's environment pins its own. */
const BY_HAND_PACKAGES = ['pandas==3.1.1', 'pyarrow==26.0.1', 'numpy==2.4.6', 'scikit-learn==1.9.1', 'scipy==1.17.1', 'joblib==1.6.0', 'threadpoolctl==3.8.0'];
const BY_HAND_WAYS = ['pandas', 'pyarrow'] as const;
type ByHandWay = (typeof BY_HAND_WAYS)[number];

interface ByHandResult {
  seconds: number;
  cpu_seconds: number;
  phases: Record<string, number>;
  train_rows: number;
  test_rows: number;
  peak_rss: number;
}

/** Python with pandas, pyarrow and scikit-learn, in a bench environment (built once). */
async function byHandPython(): Promise<string> {
  say('a bench environment with pandas, pyarrow and scikit-learn (built once)');
  const environment = EnvironmentSpec.parse({ name: 'bench-dataset-by-hand', python_version: '3.11', dependencies: BY_HAND_PACKAGES });
  return (await benchEnvironment(environment)).pythonExecutable;
}

/** The same version made by hand (bench/fixtures/dataset_by_hand.py) into a fresh directory under `dir`, deleted after. */
async function versionByHand(python: string, way: ByHandWay, csv: string, dir: string): Promise<ByHandResult> {
  mkdirSync(dir);
  try {
    const script = join(import.meta.dirname, 'fixtures/dataset_by_hand.py');
    const { stdout } = await promisify(execFile)(python, [script, way, csv, dir, 'target', '0.2', '42'], { maxBuffer: 1024 * 1024 });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as ByHandResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The table's rows for one by-hand way: its time (and where it went), speed, CPU and memory beside Kiln's. */
function byHandRows(way: ByHandWay, r: ByHandResult, mb: number, kilnMBs: number): Row[] {
  const phases = Object.entries(r.phases)
    .map(([phase, seconds]) => `${phase} ${seconds.toFixed(1)}`)
    .join(', ');
  return [
    { metric: `by hand, ${way}: time (s a phase)`, value: `${r.seconds.toFixed(2)} s (${phases})` },
    { metric: `by hand, ${way}: throughput`, value: `${(mb / r.seconds).toFixed(1)} MB/s, Kiln ${(kilnMBs / (mb / r.seconds)).toFixed(2)}× that` },
    { metric: `by hand, ${way}: CPU time (all threads)`, value: `${r.cpu_seconds.toFixed(1)} s` },
    { metric: `by hand, ${way}: peak RSS`, value: `${(r.peak_rss / MiB).toFixed(0)} MiB` },
  ];
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
    const python = BY_HAND ? await byHandPython() : '';
    say(`writing a ${MEGABYTES} MB CSV`);
    const bytes = await writeCsv(csv, MEGABYTES * 1e6);
    // A dataset is versioned at rest: a file written less than a second before gets no write stamp
    // and is hashed twice (DatasetSource.writeStamp). Each run's path is printed below.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const results: ChildResult[] = [];
    for (let run = 1; run <= RUNS; run++) {
      say(`versioning it in a child process (${run}/${RUNS})`);
      results.push(await versionInChild(csv, join(root, `store-${run}`)));
    }
    // Once each: the pandas script takes minutes on the full file.
    const byHand = new Map<ByHandWay, ByHandResult>();
    for (const way of BY_HAND ? BY_HAND_WAYS : []) {
      say(`versioning it by hand with ${way}`);
      byHand.set(way, await versionByHand(python, way, csv, join(root, `by-hand-${way}`)));
    }
    const mb = bytes / 1e6;
    /** MB a second of each run's `ms` (wall or CPU). */
    const rates = (ms: (r: ChildResult) => number) => summarize(results.map((r) => mb / (ms(r) / 1000)));
    const throughput = rates((r) => r.newMs);
    const peakMiB = summarize(results.map((r) => r.peakRss / MiB));
    for (const [way, r] of byHand) if (r.train_rows + r.test_rows !== results[0]!.rows) throw new Error(`the ${way} split has not as many rows as the file`);
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
      { metric: 'change check between passes', value: `write stamp in ${results.filter((r) => r.stamped).length} of ${RUNS} runs, else a second sha256` },
      { metric: 'unchanged file again (hash only)', value: perSecond(rates((r) => r.reusedMs)) },
      { metric: 'RSS before versioning', value: `${(first.baselineRss / MiB).toFixed(0)} MiB` },
      // The largest of the runs: memory is a limit, not a typical figure.
      { metric: 'peak RSS (VmHWM), largest run', value: `${peakMiB.max.toFixed(0)} MiB`, target: '≤ 256 MiB', verdict: verdict(peakMiB.max, 256) },
      ...[...byHand].flatMap(([way, r]) => byHandRows(way, r, mb, throughput.median)),
    ];
    console.log(`\nDataset versioning: ${mb.toFixed(0)} MB CSV, filesystem store, SQLite metadata, ${RUNS} runs (median [min–max])\n`);
    console.log(table(rows));
    console.log('\nThroughput PASS/MISS on the median; each run is a fresh child process and an empty store.');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
