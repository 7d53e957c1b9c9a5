/**
 * Kiln's model server against FastAPI + uvicorn (on demand, not part of the tests):
 * `make bench-serving` or `npx tsx bench/serving.ts`.
 *
 * The breast-cancer example is trained once; `python -m kiln_sdk.serve` and the same model
 * behind FastAPI on uvicorn (one worker, uvloop and httptools, installed from PyPI into the
 * bench's venv) serve it side by side in one run. wrk (one thread) sends the same bodies, a
 * test-split row or 64 of them, over 1, 16 and 64 keep-alive connections, the servers in turns
 * (order swapped every turn); the medians over the turns are compared. Then, unless
 * KILN_BENCH_API=0, an embedded stack trains and serves the example and the predict route of the
 * API is measured against its model server called directly, and beside them a bare `node:http`
 * relay (bench/lib/bare-relay.ts: no authentication, validation or merging): what relaying alone
 * costs on the same cores. The route is measured twice: on the embedded stack (the API in the
 * process of the worker, as `kiln up` and `make demo` run it) and through the compiled `kiln api`
 * alone in its own process (bench/lib/api-process.ts), as the chart deploys it; the latter needs
 * `make build`, which `make bench-serving` runs.
 * Targets (issue 14): ≥ 2× FastAPI's throughput at 16 connections with single instances, p99 no
 * worse than FastAPI's at every level, 0 errors at 64 connections; the API route ≥ 80% of direct.
 *
 * KILN_BENCH_TURNS (3) and KILN_BENCH_TURN_S (5) size the turns; KILN_BENCH_KILN_WORKERS=2 adds
 * Kiln's server with that many worker processes; KILN_BENCH_API=only measures the API route alone
 * (with a row of the example's CSV). The API runs in this process: its CPU time per request through
 * the route is reported too, a figure a busy machine disturbs less than throughput.
 * KILN_BENCH_API_PROFILE_DIR=dir writes a CPU profile of `kiln api` alone there (open it in
 * Chrome DevTools' Performance panel).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize, table, verdict, type Row } from './lib/report.js';
import { ROOT } from './lib/bench-stack.js';
import { type ApiProcess, startApiProcess } from './lib/api-process.js';
import { startBareRelay } from './lib/bare-relay.js';
import { SERVED_PROJECT, serveThroughApi } from './lib/serving-api-route.js';
import { startFastApi, startKilnServer, trainExample, type RunningServer } from './lib/serving-servers.js';
import { ensureWrk, postScript, wrk, type WrkResult } from './lib/wrk.js';

const TURNS = Number(process.env.KILN_BENCH_TURNS ?? 3);
const TURN_S = Number(process.env.KILN_BENCH_TURN_S ?? 5);
const KILN_WORKERS = Number(process.env.KILN_BENCH_KILN_WORKERS ?? 1);
const WITH_API = process.env.KILN_BENCH_API !== '0';
const API_ONLY = process.env.KILN_BENCH_API === 'only';
const CONNECTIONS = [1, 16, 64];
const say = (message: string) => process.stderr.write(`bench: ${message}\n`);

interface Level {
  body: string;
  connections: number;
}

/** Medians over the turns of one server at one level; errors summed. */
function medianOf(results: WrkResult[]): WrkResult {
  const m = (f: (r: WrkResult) => number) => summarize(results.map(f)).median;
  return {
    requests: m((r) => r.requests),
    rps: m((r) => r.rps),
    p50: m((r) => r.p50),
    p99: m((r) => r.p99),
    errors: results.reduce((n, r) => n + r.errors, 0),
  };
}

const ms = (v: number) => (v < 1 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
const perSecond = (v: number) => Math.round(v).toLocaleString('en-US');

function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)) + 2);
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}

/** Every server at every level, in turns; returns the median result per server and level. */
async function compare(servers: RunningServer[], bodies: Record<string, string>, scriptDir: string): Promise<Map<string, WrkResult>> {
  const levels: Level[] = Object.keys(bodies).flatMap((body) => CONNECTIONS.map((connections) => ({ body, connections })));
  const scripts = Object.fromEntries(Object.entries(bodies).map(([name, body], i) => [name, postScript(scriptDir, `body-${i}`, body)]));
  const key = (server: RunningServer, level: Level) => `${server.name}|${level.body}|${level.connections}`;
  const all = new Map<string, WrkResult[]>();
  say('warming up');
  for (const server of servers) for (const body of Object.keys(bodies)) await wrk(`${server.url}/predict`, scripts[body]!, 16, 2);
  for (let turn = 0; turn < TURNS; turn += 1) {
    say(`turn ${turn + 1}/${TURNS}: ${levels.length} levels × ${servers.length} servers, ${TURN_S} s each`);
    const order = turn % 2 ? [...servers].reverse() : servers;
    for (const level of levels) {
      for (const server of order) {
        const result = await wrk(`${server.url}/predict`, scripts[level.body]!, level.connections, TURN_S);
        all.set(key(server, level), [...(all.get(key(server, level)) ?? []), result]);
      }
    }
  }
  return new Map([...all].map(([k, results]) => [k, medianOf(results)]));
}

async function apiRoute(body: string, scriptDir: string): Promise<Row[]> {
  say('API route: starting an embedded stack, training and serving the example');
  const served = await serveThroughApi();
  const bare = await startBareRelay(served.directUrl);
  let alone: ApiProcess | undefined;
  try {
    alone = await startApiProcess(served.bench);
    const alonePredictUrl = `${alone.url}/v1/models/${SERVED_PROJECT}/predict`;
    const direct = postScript(scriptDir, 'direct', body);
    const viaApi = postScript(scriptDir, 'api', body, { Authorization: served.authorization });
    const results = {
      direct: [] as WrkResult[],
      api: [] as WrkResult[],
      direct1: [] as WrkResult[],
      api1: [] as WrkResult[],
      bare: [] as WrkResult[],
      alone: [] as WrkResult[],
      alone1: [] as WrkResult[],
      bare1: [] as WrkResult[],
    };
    const cpuPerRequest: number[] = [];
    const aloneCpuPerRequest: number[] = [];
    const bareCpuPerRequest: number[] = [];
    await wrk(served.apiPredictUrl, viaApi, 16, 2);
    await wrk(alonePredictUrl, viaApi, 16, 2);
    for (let turn = 0; turn < TURNS; turn += 1) {
      say(`API route turn ${turn + 1}/${TURNS}`);
      results.direct.push(await wrk(`${served.directUrl}/predict`, direct, 16, TURN_S));
      const cpu = process.cpuUsage();
      const result = await wrk(served.apiPredictUrl, viaApi, 16, TURN_S);
      const used = process.cpuUsage(cpu);
      cpuPerRequest.push((used.user + used.system) / 1000 / result.requests);
      results.api.push(result);
      const bareCpu = process.cpuUsage();
      const bareResult = await wrk(bare.url, direct, 16, TURN_S);
      const bareUsed = process.cpuUsage(bareCpu);
      bareCpuPerRequest.push((bareUsed.user + bareUsed.system) / 1000 / bareResult.requests);
      results.bare.push(bareResult);
      const aloneCpu = alone.cpuMs();
      const aloneResult = await wrk(alonePredictUrl, viaApi, 16, TURN_S);
      aloneCpuPerRequest.push((alone.cpuMs() - aloneCpu) / aloneResult.requests);
      results.alone.push(aloneResult);
      // One connection: the latency the route adds to a request, without queueing behind others.
      results.direct1.push(await wrk(`${served.directUrl}/predict`, direct, 1, TURN_S));
      results.api1.push(await wrk(served.apiPredictUrl, viaApi, 1, TURN_S));
      results.alone1.push(await wrk(alonePredictUrl, viaApi, 1, TURN_S));
      results.bare1.push(await wrk(bare.url, direct, 1, TURN_S));
    }
    const [d, a, d1, a1, b, o, o1, b1] = [
      medianOf(results.direct),
      medianOf(results.api),
      medianOf(results.direct1),
      medianOf(results.api1),
      medianOf(results.bare),
      medianOf(results.alone),
      medianOf(results.alone1),
      medianOf(results.bare1),
    ];
    const share = a.rps / d.rps;
    const aloneShare = o.rps / d.rps;
    return [
      { metric: 'direct, 16 conns: req/s, p50 / p99', value: `${perSecond(d.rps)}, ${ms(d.p50)} / ${ms(d.p99)} ms` },
      { metric: 'API route, 16 conns: req/s, p50 / p99', value: `${perSecond(a.rps)}, ${ms(a.p50)} / ${ms(a.p99)} ms` },
      { metric: 'API route / direct throughput', value: `${(share * 100).toFixed(0)}%`, target: '≥ 80%', verdict: share >= 0.8 ? 'PASS' : 'MISS' },
      { metric: 'p50 added by the API route, 16 conns', value: `${ms(a.p50 - d.p50)} ms`, target: '≤ 0.5 ms (item 2)', verdict: verdict(a.p50 - d.p50, 0.5) },
      { metric: 'direct / API route, 1 conn: p50', value: `${ms(d1.p50)} / ${ms(a1.p50)} ms` },
      { metric: 'p50 added by the API route, 1 conn', value: `${ms(a1.p50 - d1.p50)} ms`, target: '≤ 0.5 ms (item 2)', verdict: verdict(a1.p50 - d1.p50, 0.5) },
      { metric: 'API process CPU per request (user + system)', value: `${ms(summarize(cpuPerRequest).median)} ms` },
      { metric: 'errors direct / API / kiln api alone', value: `${d.errors + d1.errors} / ${a.errors + a1.errors} / ${o.errors}` },
      { metric: '`kiln api` alone, 16 conns: req/s, p50 / p99', value: `${perSecond(o.rps)}, ${ms(o.p50)} / ${ms(o.p99)} ms` },
      {
        metric: '`kiln api` alone / direct throughput',
        value: `${(aloneShare * 100).toFixed(0)}%`,
        target: '≥ 80%',
        verdict: aloneShare >= 0.8 ? 'PASS' : 'MISS',
      },
      {
        metric: 'p50 added by `kiln api` alone, 16 conns',
        value: `${ms(o.p50 - d.p50)} ms`,
        target: '≤ 0.5 ms (item 2)',
        verdict: verdict(o.p50 - d.p50, 0.5),
      },
      {
        metric: 'p50 added by `kiln api` alone, 1 conn',
        value: `${ms(o1.p50 - d1.p50)} ms`,
        target: '≤ 0.5 ms (item 2)',
        verdict: verdict(o1.p50 - d1.p50, 0.5),
      },
      { metric: '`kiln api` alone: CPU per request (user + system)', value: `${ms(summarize(aloneCpuPerRequest).median)} ms` },
      {
        metric: 'bare node:http relay, 16 conns (reference)',
        value: `${perSecond(b.rps)} req/s, ${((b.rps / d.rps) * 100).toFixed(0)}% of direct, ${ms(summarize(bareCpuPerRequest).median)} ms CPU a request`,
      },
      { metric: 'p50 added by the bare relay, 1 conn (reference)', value: `${ms(b1.p50 - d1.p50)} ms` },
    ];
  } finally {
    await alone?.stop();
    await bare.close();
    await served.bench.dispose();
  }
}

async function main(): Promise<void> {
  ensureWrk();
  const work = mkdtempSync(join(tmpdir(), 'kiln-bench-serving-'));
  const servers: RunningServer[] = [];
  try {
    if (API_ONLY) {
      const [, first] = readFileSync(join(ROOT, 'examples/breast-cancer/data/breast_cancer.csv'), 'utf8').split('\n');
      const row = first!.split(',').slice(0, -1).map(Number);
      console.log('\nThrough the API (POST /v1/models/{name}/predict) against the same model server directly, 1 instance\n');
      console.log(table(await apiRoute(JSON.stringify({ instances: [row] }), work)));
      return;
    }
    say('training the breast-cancer example (the bench venv is built once per machine)');
    const model = await trainExample(work);
    const bodies = {
      '1 instance': JSON.stringify({ instances: model.rows.slice(0, 1) }),
      '64 instances': JSON.stringify({ instances: model.rows.slice(0, 64) }),
    };
    servers.push(await startKilnServer(model));
    servers.push(await startFastApi(model));
    if (KILN_WORKERS > 1) servers.push(await startKilnServer(model, { KILN_SERVE_WORKERS: String(KILN_WORKERS) }, `Kiln, ${KILN_WORKERS} workers`));
    const [kiln, fastapi] = servers as [RunningServer, RunningServer];
    const results = await compare(servers, bodies, work);
    for (const server of servers) await server.stop();
    const apiRows = WITH_API ? await apiRoute(bodies['1 instance'], work) : [];

    const get = (server: RunningServer, body: string, connections: number) => results.get(`${server.name}|${body}|${connections}`)!;
    const lines = [['level', 'server', 'req/s', '× FastAPI', 'p50 ms', 'p99 ms', 'errors']];
    const targets: Row[] = [];
    for (const body of Object.keys(bodies)) {
      for (const connections of CONNECTIONS) {
        const level = `${body}, ${connections} conn${connections > 1 ? 's' : ''}`;
        const base = get(fastapi, body, connections);
        for (const server of servers) {
          const r = get(server, body, connections);
          lines.push([
            level,
            server.name,
            perSecond(r.rps),
            server === fastapi ? '' : `${(r.rps / base.rps).toFixed(2)}×`,
            ms(r.p50),
            ms(r.p99),
            String(r.errors),
          ]);
        }
        const k = get(kiln, body, connections);
        if (body === '1 instance' && connections === 16) {
          const ratio = k.rps / base.rps;
          targets.push({ metric: `${level}: throughput vs FastAPI`, value: `${ratio.toFixed(2)}×`, target: '≥ 2×', verdict: ratio >= 2 ? 'PASS' : 'MISS' });
        }
        targets.push({
          metric: `${level}: p99 Kiln / FastAPI`,
          value: `${ms(k.p99)} / ${ms(base.p99)} ms`,
          target: "≤ FastAPI's",
          verdict: verdict(k.p99, base.p99),
        });
        if (connections === 64) targets.push({ metric: `${level}: Kiln errors`, value: String(k.errors), target: '0', verdict: verdict(k.errors, 0) });
      }
    }
    console.log(`\nModel serving: breast-cancer example, ${TURNS} turns of ${TURN_S} s per server and level (medians; errors summed)\n`);
    console.log(columns(lines));
    console.log('');
    console.log(table(targets));
    if (apiRows.length) {
      console.log('\nThrough the API (POST /v1/models/{name}/predict) against the same model server directly, 1 instance\n');
      console.log(table(apiRows));
    } else console.log('\nAPI route: not measured (KILN_BENCH_API=0)');
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
