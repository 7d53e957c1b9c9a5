/**
 * Continuous-training benchmark (on demand, not part of the tests): `make bench-ct` or `npx tsx bench/ct.ts`.
 *
 * 1. Schedule fire → run started: a schedule every 10 s (no jitter) on the embedded stack; for
 *    each fire, its nominal time against the run's workflow start and the run record Kiln writes
 *    in its first step. Target: ≤ 1 s beyond the configured jitter.
 * 2. New data → run started: rows appended to a watched dataset (watch every 10 s); the time
 *    from the append to the new_data run's start. Target: ≤ watch interval + 2 s.
 * 3. Idle worker CPU: the worker process's CPU time over an idle window with no schedules, then
 *    with 100 registered (they fire in the Temporal server, not in Kiln). Target: no more than
 *    with none (within 10%, or 0.05 s of CPU, whichever is larger).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applySpecFile, readSpecFile } from '../api/cli/apply-file.js';
import { ROOT, startBenchStack, type BenchStack } from './lib/bench-stack.js';
import { show, summarize, table, verdict, type Row } from './lib/report.js';

const say = (message: string) => process.stderr.write(`bench: ${message}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PROJECT = 'machine-failure';
const FIRES = Number(process.env.KILN_BENCH_FIRES ?? 5);

async function applyExample(bench: BenchStack, dir: string) {
  const { schedules: _none, ...specs } = readSpecFile(join(dir, 'kiln.json'));
  await applySpecFile(bench.client, specs);
  // One run first: builds the environment and makes a champion, so later runs measure starts only.
  const { run_id } = await bench.client.startRun({ project: PROJECT });
  for (;;) {
    const run = await bench.client.getRun(run_id);
    if (!['queued', 'running'].includes(run.status)) break;
    await sleep(200);
  }
}

async function scheduleLatency(bench: BenchStack): Promise<{ workflowStart: number[]; runRecord: number[] }> {
  const name = 'bench-every-10s';
  await bench.client.applySchedule({ name, project: PROJECT, every: '10s', overlap: 'allow_all' });
  say(`waiting for ${FIRES} fires of a schedule every 10 s`);
  const seen = new Map<string, number>();
  const deadline = Date.now() + (FIRES + 2) * 10_000 + 30_000;
  while (seen.size < FIRES && Date.now() < deadline) {
    const view = await bench.client.getSchedule(name);
    for (const run of view.recent_runs) seen.set(run.run_id, Date.parse(run.scheduled_at));
    await sleep(1000);
  }
  await bench.client.pauseSchedule(name);
  const workflowStart: number[] = [];
  const runRecord: number[] = [];
  for (const [runId, nominal] of [...seen].slice(0, FIRES)) {
    const described = await bench.stack.client.workflow.getHandle(runId).describe();
    workflowStart.push(described.startTime.getTime() - nominal);
    const record = await bench.stack.backends.metadata.runs.getRun(runId);
    if (record) runRecord.push(record.createdAt - nominal);
  }
  await bench.client.deleteSchedule(name);
  return { workflowStart, runRecord };
}

async function newDataLatency(bench: BenchStack, dir: string, trials = 3): Promise<number[]> {
  const latencies: number[] = [];
  for (let trial = 0; trial < trials; trial++) {
    const before = new Set((await bench.client.listRuns({ project: PROJECT, trigger: 'new_data', limit: 1000 })).map((r) => r.id as string));
    // Land somewhere in the watch interval, as real data would.
    await sleep(2000 + Math.random() * 8000);
    const appended = Date.now();
    execFileSync('python3', [join(dir, 'data', 'sensors.py'), 'append', '--rows', '20']);
    let started: number | undefined;
    const deadline = appended + 60_000;
    while (started === undefined && Date.now() < deadline) {
      const fresh = (await bench.client.listRuns({ project: PROJECT, trigger: 'new_data', limit: 1000 })).find((r) => !before.has(r.id as string));
      if (fresh) started = (await bench.stack.client.workflow.getHandle(fresh.id as string).describe()).startTime.getTime();
      else await sleep(100);
    }
    latencies.push(started === undefined ? Number.NaN : started - appended);
    say(`new data trial ${trial + 1}: ${started === undefined ? 'no run within 60 s' : `${started - appended} ms`}`);
  }
  return latencies;
}

/** CPU time (ms) this process (worker + API) used over `windowMs` of doing nothing. */
async function idleCpu(windowMs: number): Promise<number> {
  const start = process.cpuUsage();
  await sleep(windowMs);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-ct-'));
  cpSync(join(ROOT, 'examples', 'continuous-training'), dir, { recursive: true });
  say('starting the embedded stack');
  const bench = await startBenchStack();
  const rows: Row[] = [];
  try {
    await applyExample(bench, dir);
    const fires = await scheduleLatency(bench);
    const start = summarize(fires.workflowStart);
    const record = summarize(fires.runRecord);
    rows.push({ metric: 'schedule fire → run workflow started', value: show(start, 's'), target: '≤ 1.00 s (jitter 0)', verdict: verdict(start.max, 1000) });
    rows.push({ metric: 'schedule fire → run record written', value: show(record, 's'), target: '≤ 1.00 s', verdict: verdict(record.median, 1000) });

    const newData = summarize(await newDataLatency(bench, dir));
    rows.push({ metric: 'new data → run started (watch 10 s)', value: show(newData, 's'), target: '≤ 12.00 s', verdict: verdict(newData.max, 12_000) });

    // Stop watching, so only schedules differ between the two idle windows.
    const { watch: _watch, ...dataset } = readSpecFile(join(dir, 'kiln.json')).dataset!;
    await bench.client.applyDataset(dataset);
    const windowMs = Number(process.env.KILN_BENCH_IDLE_MS ?? 30_000);
    say(`idle worker CPU over ${windowMs / 1000} s: no schedules`);
    const none = await idleCpu(windowMs);
    say('registering 100 schedules');
    for (let i = 0; i < 100; i++) await bench.client.applySchedule({ name: `bench-idle-${i}`, project: PROJECT, cron: `${i % 60} 3 * * *` });
    say(`idle worker CPU over ${windowMs / 1000} s: 100 schedules`);
    const hundred = await idleCpu(windowMs);
    const allowance = Math.max(none * 0.1, 50);
    rows.push({ metric: 'idle worker CPU, no schedules', value: `${(none / 1000).toFixed(3)} s` });
    rows.push({
      metric: 'idle worker CPU, 100 schedules',
      value: `${(hundred / 1000).toFixed(3)} s`,
      target: `≤ ${((none + allowance) / 1000).toFixed(3)} s`,
      verdict: verdict(hundred, none + allowance),
    });
    for (let i = 0; i < 100; i++) await bench.client.deleteSchedule(`bench-idle-${i}`);
  } finally {
    await bench.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`\nContinuous training (2 cores, embedded stack)\n${table(rows)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
