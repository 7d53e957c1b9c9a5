/**
 * Pipeline throughput (on demand, not part of the tests): `make bench-throughput` or
 * `npx tsx bench/throughput.ts [--runs N] [--in-flight K] [--queued M] [--profile]`.
 *
 * The embedded stack (private dev server, SQLite, local executor) with the breast-cancer example
 * (serving off). After one run fills the stage cache, every run is fully cached: what is measured
 * is Kiln and Temporal themselves. Two phases:
 * 1. N runs with K in flight (submitted through the HTTP API, each awaited): fully cached runs/s.
 * 2. M runs queued at once, then awaited: every one must succeed.
 * Then where a run's time goes (from the histories of a sample: activity queue waits and
 * executions by type, workflow tasks) and which process burnt the CPU (Kiln's, Temporal's), so
 * the report names the bottleneck. Then, on the same server and with the same width, Temporal
 * alone: the fully cached run's shape with activities that do nothing (bench/fixtures/temporal-floor),
 * so a miss can be read against what Temporal itself reaches on this machine.
 * Target (issue 14): ≥ 25 runs/s, 0 errors in 1,000 queued.
 */
import { Session } from 'node:inspector/promises';
import { availableParallelism, loadavg } from 'node:os';
import { BENCH_PROJECT, startBenchStack, type BenchStack } from './lib/bench-stack.js';
import { fetchRunHistory, type RunHistory } from './lib/history.js';
import { cpuSecondsOf } from './lib/process-cpu.js';
import { table, verdict, type Row } from './lib/report.js';
import { startTemporalFloor } from './lib/temporal-floor.js';

const say = (message: string) => process.stderr.write(`bench: ${message}\n`);
const RUNS_TARGET = 25;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i === -1) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: expected a positive integer, got ${JSON.stringify(process.argv[i + 1])}`);
  return n;
}

interface Outcome {
  workflowId: string;
  ok: boolean;
  error?: string;
}

async function submit(bench: BenchStack): Promise<string> {
  return (await bench.client.startRun({ project: BENCH_PROJECT })).workflow_id;
}

async function outcomeOf(bench: BenchStack, workflowId: string): Promise<Outcome> {
  try {
    const progress = (await bench.stack.client.workflow.getHandle(workflowId).result()) as { status?: string; error?: string };
    return progress.status === 'succeeded' ? { workflowId, ok: true } : { workflowId, ok: false, error: `ended ${progress.status}: ${progress.error ?? ''}` };
  } catch (error) {
    return { workflowId, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Runs `count` tasks with at most `width` at a time. */
async function pool<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

const ownCpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** Mean ms per run spent in each part of the histories. */
function whereTimeGoes(histories: RunHistory[]): Row[] {
  const parts = new Map<string, number>();
  const add = (key: string, ms: number) => parts.set(key, (parts.get(key) ?? 0) + ms / histories.length);
  for (const h of histories) {
    add('run, start to close', h.workflowClosed - h.workflowStarted);
    for (const a of h.activities) {
      add(`activity ${a.type}: queue wait`, a.start - a.scheduled);
      add(`activity ${a.type}: execution`, a.end - a.start);
    }
    for (const t of h.workflowTaskWaits) add('workflow tasks: queue wait', t.end - t.start);
    for (const t of h.workflowTasks) add('workflow tasks: execution', t.end - t.start);
  }
  return [...parts.entries()].sort((a, b) => b[1] - a[1]).map(([metric, ms]) => ({ metric, value: `${ms.toFixed(1)} ms` }));
}

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
}

/** Profiles this process's main thread until `stop`, which names the files that took the most self time. */
async function startProfile(): Promise<{ stop(): Promise<Row[]> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = (await session.post('Profiler.stop')) as { profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] } };
      session.disconnect();
      const fileOf = new Map(profile.nodes.map((n) => [n.id, shortFile(n.callFrame.url) || n.callFrame.functionName || '(native)']));
      const self = new Map<string, number>();
      profile.samples.forEach((id, i) => {
        const file = fileOf.get(id) ?? '?';
        self.set(file, (self.get(file) ?? 0) + (profile.timeDeltas[i] ?? 0));
      });
      self.delete('(idle)');
      const busy = [...self.values()].reduce((a, b) => a + b, 0);
      return [...self.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([file, us]) => ({ metric: file, value: `${((us / busy) * 100).toFixed(1)}%` }));
    },
  };
}

/** A package for dependencies, a path for Kiln's own files. */
function shortFile(url: string): string {
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return dependency[1]!;
  return url.replace(/^file:\/\/.*?\/(api|core|activities|workflows|workers)\//, '$1/');
}

async function main(): Promise<void> {
  const runs = option('--runs', 200);
  const inFlight = option('--in-flight', 32);
  const queued = option('--queued', 1000);
  say('starting the embedded stack (private Temporal dev server, fresh data directory)');
  // Untraced: the overhead bench's per-call spans would be counted as Kiln's CPU here.
  const bench = await startBenchStack({ traced: false });
  try {
    say('warm-up: one run builds the environment and fills the stage cache, a few more warm the stack');
    const first = await outcomeOf(bench, await submit(bench));
    if (!first.ok) throw new Error(`the warm-up run failed: ${first.error}`);
    await pool(inFlight, inFlight, async () => outcomeOf(bench, await submit(bench)));

    say(`phase 1: ${runs} fully cached runs, ${inFlight} in flight`);
    const profiler = process.argv.includes('--profile') ? await startProfile() : undefined;
    const temporalBefore = cpuSecondsOf(bench.config.home);
    const kilnBefore = ownCpu();
    const started = performance.now();
    const measured = await pool(runs, inFlight, async () => outcomeOf(bench, await submit(bench)));
    const seconds = (performance.now() - started) / 1000;
    const temporalCpu = cpuSecondsOf(bench.config.home) - temporalBefore;
    const kilnCpu = ownCpu() - kilnBefore;
    const runsPerSecond = runs / seconds;
    const hotSpots = profiler ? await profiler.stop() : [];

    say('histories of a sample of the measured runs');
    const sample = measured.filter((o) => o.ok).slice(-20);
    const histories = await Promise.all(sample.map((o) => fetchRunHistory(bench.stack.client, o.workflowId)));

    say(`phase 2: ${queued} runs queued at once`);
    const queuedStarted = performance.now();
    const submitted = await pool(queued, 64, async () =>
      submit(bench).then(
        (id) => ({ id }),
        (error: unknown) => ({ error: String(error) }),
      ),
    );
    const submitSeconds = (performance.now() - queuedStarted) / 1000;
    const ended = await pool(submitted.length, 256, async (i) => {
      const s = submitted[i]!;
      return 'id' in s ? outcomeOf(bench, s.id) : { workflowId: '-', ok: false, error: `submit: ${s.error}` };
    });
    const queuedSeconds = (performance.now() - queuedStarted) / 1000;
    const failed = [...measured, ...ended].filter((o) => !o.ok);

    say(`phase 3: Temporal alone, ${runs} runs of the same shape with no-op activities, ${inFlight} in flight`);
    const floor = await startTemporalFloor(bench);
    await pool(inFlight, inFlight, () => floor.cachedRun());
    const floorTemporalBefore = cpuSecondsOf(bench.config.home);
    const floorOwnBefore = ownCpu();
    const floorStarted = performance.now();
    await pool(runs, inFlight, () => floor.cachedRun());
    const alone = { runsPerSecond: runs / ((performance.now() - floorStarted) / 1000), ownCpuSeconds: ownCpu() - floorOwnBefore };
    const floorTemporalCpu = cpuSecondsOf(bench.config.home) - floorTemporalBefore;
    await floor.stop();

    const cores = availableParallelism();
    const busiest = temporalCpu > kilnCpu ? 'the Temporal dev server' : "Kiln's process (API + worker)";
    const rows: Row[] = [
      {
        metric: 'fully cached runs/s',
        value: `${runsPerSecond.toFixed(1)} (${runs} runs in ${seconds.toFixed(1)} s, ${inFlight} in flight)`,
        target: `≥ ${RUNS_TARGET}`,
        verdict: runsPerSecond >= RUNS_TARGET ? 'PASS' : 'MISS',
      },
      { metric: `${queued} queued: submitted in`, value: `${submitSeconds.toFixed(1)} s` },
      { metric: `${queued} queued: all ended in`, value: `${queuedSeconds.toFixed(1)} s (${(queued / queuedSeconds).toFixed(1)} runs/s)` },
      { metric: 'runs that did not succeed', value: String(failed.length), target: '0', verdict: verdict(failed.length, 0) },
      { metric: 'CPU per run: Temporal dev server', value: `${((temporalCpu / runs) * 1000).toFixed(1)} ms` },
      { metric: 'CPU per run: Kiln (API + worker)', value: `${((kilnCpu / runs) * 1000).toFixed(1)} ms` },
      { metric: 'CPU used, both, of the machine', value: `${(((temporalCpu + kilnCpu) / seconds / cores) * 100).toFixed(0)}% of ${cores} cores` },
      {
        metric: 'Temporal alone, same shape, no-op',
        value: `${alone.runsPerSecond.toFixed(1)} runs/s (CPU per run: dev server ${((floorTemporalCpu / runs) * 1000).toFixed(1)} ms, worker ${((alone.ownCpuSeconds / runs) * 1000).toFixed(1)} ms)`,
      },
      { metric: 'Kiln ÷ Temporal alone', value: `${((runsPerSecond / alone.runsPerSecond) * 100).toFixed(0)}%` },
    ];
    console.log(`\nThroughput: fully cached runs of the breast-cancer example on the embedded stack\n`);
    console.log(table(rows));
    const mean = (count: (h: RunHistory) => number) => (histories.reduce((sum, h) => sum + count(h), 0) / Math.max(histories.length, 1)).toFixed(1);
    console.log(
      `\nPer run: ${mean((h) => h.workflowTasks.length)} workflow tasks, ${mean((h) => h.activities.length)} activities, ` +
        `${mean((h) => h.counts.localActivities)} local activities, ${mean((h) => h.counts.upserts)} search-attribute upserts, ${mean((h) => h.counts.events)} history events`,
    );
    console.log(`\nWhere a run's time goes (mean over ${histories.length} measured runs):\n`);
    console.log(table(whereTimeGoes(histories).slice(0, 12), ['part', 'mean per run', '']));
    console.log(
      `\nbottleneck: ${busiest} used the most CPU; with ${inFlight} runs in flight each took ${((seconds / runs) * inFlight * 1000).toFixed(0)} ms on average`,
    );
    if (alone.runsPerSecond < RUNS_TARGET)
      console.log(
        `Temporal alone reaches ${alone.runsPerSecond.toFixed(1)} runs/s of this shape here, below the ${RUNS_TARGET} runs/s target before any Kiln code runs: the machine's cores, not Kiln, set the ceiling today`,
      );
    if (hotSpots.length) {
      console.log("\nKiln's main thread during phase 1 (--profile; workflow code runs on its own thread), self time by file:\n");
      console.log(table(hotSpots, ['file', 'share of busy time', '']));
    }
    for (const f of failed.slice(0, 5)) console.log(`failed: ${f.workflowId}: ${f.error}`);
    console.log(
      `machine: ${cores} cores, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    say('stopping the stack');
    await bench.dispose();
  }
}

await main();
