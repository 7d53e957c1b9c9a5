/**
 * What the prediction log costs a model server (on demand, not part of the tests):
 * `make bench-prediction-log` or `npx tsx bench/prediction-log.ts`.
 *
 * The SDK's toy model served twice, side by side in one run: without a log, and with the log
 * on (every prediction logged, the worker's shipper moving segments to a filesystem store).
 * 16 clients each send one-instance predictions back to back for 2 s, in 8 short turns
 * (off, on, off, on…), and the medians over the turns are compared.
 * Targets (issue 13): ≤ 0.2 ms added at p50, ≤ 5% less throughput.
 */
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemArtifactStore } from '../core/artifacts/filesystem-store.js';
import { startLogShipping } from '../core/monitoring/prediction-log/log-shipping.js';
import { localSpoolDir, spoolsUnder } from '../core/monitoring/prediction-log/ship-prediction-spool.js';
import { RUN_CONTRACT_ENV as E } from '../core/runner/run-contract.js';
import { startServe } from '../test/support/python-model-server.js';
import { summarize, table, verdict, type Row } from './lib/report.js';

const CLIENTS = Number(process.env.KILN_BENCH_CLIENTS ?? 16);
const TURN_MS = Number(process.env.KILN_BENCH_TURN_MS ?? 2_000);
const TURNS = Number(process.env.KILN_BENCH_TURNS ?? 8);
const say = (message: string) => process.stderr.write(`bench: ${message}\n`);

function predictOnce(port: number, body: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/predict', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** CLIENTS clients back to back for TURN_MS: every latency, and how many failed. */
async function turn(port: number): Promise<{ latencies: number[]; errors: number; seconds: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const until = started + TURN_MS;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; performance.now() < until; i += 1) {
        const body = JSON.stringify({ instances: [[(c + i) % 11, (c * i) % 7]] });
        await predictOnce(port, body).then(
          (ms) => latencies.push(ms),
          () => (errors += 1),
        );
      }
    }),
  );
  return { latencies, errors, seconds: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'kiln-bench-predlog-'));
  const modelDir = join(root, 'model');
  mkdirSync(modelDir);
  writeFileSync(join(modelDir, 'toy.json'), JSON.stringify({ means: { '0': [0, 0], '1': [10, 10] }, features: ['a', 'b'] }));
  const base = { [E.entrypoint]: 'toy_model.py:ToyModel', [E.modelDir]: modelDir, [E.servePort]: '0', KILN_MODEL_VERSION: '1' };
  const spoolRoot = join(root, 'spool');
  const off = await startServe(base);
  // Every prediction logged: no rate cap, so the cost measured is that of logging all of them.
  const on = await startServe({ ...base, KILN_PREDICTION_LOG_DIR: localSpoolDir(spoolRoot, 'toy', 1), KILN_PREDICTION_LOG_MAX_PER_S: '1000000' });
  const store = new FilesystemArtifactStore(join(root, 'artifacts'));
  const shipping = startLogShipping({ store, spools: () => spoolsUnder(spoolRoot), retentionDays: 30 });
  try {
    const results = { off: [] as Awaited<ReturnType<typeof turn>>[], on: [] as Awaited<ReturnType<typeof turn>>[] };
    await turn(off.port); // warm-up, not counted
    await turn(on.port);
    for (let t = 0; t < TURNS; t += 1) {
      say(`turn ${t + 1}/${TURNS}: ${CLIENTS} clients, ${TURN_MS / 1000} s each, log off then on`);
      results.off.push(await turn(off.port));
      results.on.push(await turn(on.port));
    }
    await shipping.stop();
    const p50 = (r: Awaited<ReturnType<typeof turn>>) => summarize(r.latencies).median;
    const p99 = (r: Awaited<ReturnType<typeof turn>>) => [...r.latencies].sort((a, b) => a - b)[Math.floor(r.latencies.length * 0.99)] ?? NaN;
    const rps = (r: Awaited<ReturnType<typeof turn>>) => r.latencies.length / r.seconds;
    const median = (rs: Awaited<ReturnType<typeof turn>>[], f: (r: Awaited<ReturnType<typeof turn>>) => number) => summarize(rs.map(f)).median;
    const addedP50 = median(results.on, p50) - median(results.off, p50);
    const throughputLoss = 1 - median(results.on, rps) / median(results.off, rps);
    const health = (await (await fetch(`http://127.0.0.1:${on.port}/health`)).json()) as { prediction_log: Record<string, number> };
    const sent = results.on.reduce((n, r) => n + r.latencies.length, 0);
    const rows: Row[] = [
      { metric: 'p50, log off', value: `${median(results.off, p50).toFixed(2)} ms` },
      { metric: 'p50, log on', value: `${median(results.on, p50).toFixed(2)} ms` },
      { metric: 'p99, log off / on', value: `${median(results.off, p99).toFixed(1)} / ${median(results.on, p99).toFixed(1)} ms` },
      { metric: 'p50 added by the log', value: `${addedP50.toFixed(3)} ms`, target: '≤ 0.2 ms', verdict: verdict(addedP50, 0.2) },
      { metric: 'throughput, log off / on', value: `${median(results.off, rps).toFixed(0)} / ${median(results.on, rps).toFixed(0)} req/s` },
      { metric: 'throughput lost to the log', value: `${(throughputLoss * 100).toFixed(1)}%`, target: '≤ 5%', verdict: verdict(throughputLoss, 0.05) },
      { metric: 'errors, log off / on', value: `${results.off.reduce((n, r) => n + r.errors, 0)} / ${results.on.reduce((n, r) => n + r.errors, 0)}` },
      { metric: 'records logged / dropped', value: `${health.prediction_log.logged} / ${health.prediction_log.dropped} (of ≥ ${sent} measured)` },
    ];
    console.log(`\nPrediction log cost: toy model, ${CLIENTS} concurrent clients, ${TURNS} turns of ${TURN_MS / 1000} s each way\n`);
    console.log(table(rows));
  } finally {
    off.child.kill('SIGTERM');
    on.child.kill('SIGTERM');
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
