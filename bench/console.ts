/**
 * `make bench-console`: how long the console's runs page takes to show its rows with 1,000 runs
 * on record (target ≤ 1 s from navigation, as Chromium's trace measures it: navigationStart to
 * the page's own `kiln:runs-rendered` mark). A fresh embedded stack, 1,000 runs written into its
 * database, Debian's chromium through playwright-core; five reloads, median.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newRun } from '../test/integration/metadata/fixtures.js';
import { ensureChromium, launchChromium } from '../test/support/chromium.js';
import { signedIn } from '../test/support/console-browser.js';
import { BENCH_PROJECT, startBenchStack } from './lib/bench-stack.js';
import { show, summarize, table, verdict } from './lib/report.js';

const RUNS = 1000;
const RELOADS = 5;
const TARGET_MS = 1000;

/** Milliseconds from navigationStart to the page's rendered mark, from a Chromium trace of one reload. */
async function renderedAfterReload(browser: Awaited<ReturnType<typeof launchChromium>>, page: Awaited<ReturnType<typeof signedIn>>, tracePath: string) {
  await browser.startTracing(page, { path: tracePath });
  await page.reload();
  await page.locator('table.runs tbody tr').nth(24).waitFor();
  await page.waitForFunction(() => performance.getEntriesByName('kiln:runs-rendered').length > 0);
  await browser.stopTracing();
  const { traceEvents } = JSON.parse(readFileSync(tracePath, 'utf8')) as { traceEvents: { name: string; ts: number }[] };
  const at = (name: string) => traceEvents.find((e) => e.name === name)?.ts;
  const [start, rendered] = [at('navigationStart'), at('kiln:runs-rendered')];
  if (start === undefined || rendered === undefined) throw new Error('the trace holds no navigationStart or kiln:runs-rendered');
  return (rendered - start) / 1000;
}

async function main(): Promise<void> {
  const missing = ensureChromium();
  if (missing) throw new Error(missing);
  const bench = await startBenchStack({ traced: false });
  const traces = mkdtempSync(join(tmpdir(), 'kiln-bench-console-'));
  const browser = await launchChromium();
  try {
    const { runs } = bench.stack.backends.metadata;
    for (let i = 0; i < RUNS; i++) {
      const id = `${BENCH_PROJECT}-seeded-${String(i).padStart(4, '0')}`;
      await runs.createRun(newRun(id, { project: BENCH_PROJECT, modelName: BENCH_PROJECT, workflowId: id, status: 'succeeded', trigger: 'api' }));
    }
    const errors: string[] = [];
    const page = await signedIn(browser, bench.stack.apiUrl!, bench.stack.adminToken!, '#/runs', errors);
    const times: number[] = [];
    for (let i = 0; i < RELOADS; i++) times.push(await renderedAfterReload(browser, page, join(traces, `reload-${i}.json`)));
    if (errors.length) throw new Error(`the page threw: ${errors.join('; ')}`);
    const rendered = summarize(times);
    console.log(`\nConsole runs page, ${RUNS} runs on record, ${RELOADS} reloads (median [min–max])\n`);
    console.log(
      table([
        {
          metric: 'navigation → rows on screen',
          value: show(rendered, 'ms'),
          target: `≤ ${TARGET_MS} ms`,
          verdict: verdict(rendered.median, TARGET_MS),
        },
      ]),
    );
  } finally {
    await browser.close();
    await bench.dispose();
    rmSync(traces, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
