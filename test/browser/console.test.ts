import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import type { KilnApiClient, RunView } from '../../api/client/kiln-api-client.js';
import { homePaths, INSTALL_DIR } from '../../core/config.js';
import { openMetadataStore } from '../../core/metadata/metadata-store.js';
import { ensureChromium, launchChromium } from '../support/chromium.js';
import { accessibilityProblems, copyReadmeScreenshots, SCREENSHOTS, signedIn as signedInAs } from '../support/console-browser.js';
import { type KilnUp, sharedKilnUp } from '../support/kiln-cli.js';
import { monitorNow, predictAndLabel } from '../support/monitoring-traffic.js';
import { eventually, isAlive, readPids } from '../support/process-check.js';
import { runToEnd, waitForRun } from '../support/wait-for-run.js';

// The console in a real browser against a real `kiln up` (test/support/test-kiln-up.ts): what a person sees, not what the code holds.
const unavailable = ensureChromium();
if (unavailable && process.env.CI === 'true') throw new Error(`the console's browser tests need Chromium: ${unavailable}`);
if (unavailable) console.warn(`kiln: skipping the console's browser tests: ${unavailable}`);

let up: KilnUp;
let client: KilnApiClient;
let browser: Browser;
let viewerToken: string;
let trained: RunView;
/** The same project with fewer epochs: a second curve and a param that differs. */
let shorter: RunView;
const SCHEDULE = 'console-nightly';
/** The breast-cancer example monitored hourly, as README's monitoring walk-through sets it up; drift only reported. */
const MONITORING = { window: '1h', schedule: '1h', min_samples: 200, on_drift: 'none' } as const;
/** Uncaught errors in any page: a chart that threw draws nothing, and the test must say so. */
const pageErrors: string[] = [];
const pidDir = mkdtempSync(join(tmpdir(), 'kiln-console-pids-'));

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  ({ up, client } = sharedKilnUp());
  viewerToken = up.viewerToken;
  const example = readSpecFile(join(INSTALL_DIR, 'examples', 'breast-cancer', 'kiln.json'));
  await applySpecFile(client, { ...example, project: { ...example.project!, monitoring: MONITORING } });
  await applySpecFile(client, readSpecFile(join(INSTALL_DIR, 'test', 'fixtures', 'sleepy', 'kiln.json')));
  [trained, shorter] = await Promise.all([
    runToEnd(client, { project: 'breast-cancer' }, 240_000),
    runToEnd(client, { project: 'breast-cancer', params: { epochs: 5 } }, 240_000),
  ]);
  browser = await launchChromium();
}, 600_000);
afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});
afterAll(async () => {
  copyReadmeScreenshots(['runs.png', 'run.png']);
  // Absent when its test was skipped: say so rather than fail the teardown.
  await client?.deleteSchedule(SCHEDULE).catch((error: unknown) => console.warn(`kiln: schedule ${SCHEDULE} not deleted: ${String(error)}`));
  await browser?.close();
  rmSync(pidDir, { recursive: true, force: true });
});

/** A fresh tab signed in through the form, as a person does it. */
const signedIn = (token: string, hash = '#/runs'): Promise<Page> => signedInAs(browser, up.apiUrl, token, hash, pageErrors);

describe.skipIf(unavailable !== undefined)('the Kiln console in Chromium', () => {
  it('lists runs with their project, status and trigger, and links each to its page', async () => {
    const page = await signedIn(up.adminToken);
    const row = page.locator(`tr[data-run-id="${trained.runId}"]`);
    await expect.poll(() => row.textContent()).toContain('succeeded');
    expect(await row.textContent()).toContain('breast-cancer');
    // Conditional polling: each later poll revalidates the answer the browser holds (304 when unchanged).
    const revalidations: (string | undefined)[] = [];
    page.on('request', async (request) => {
      if (request.url().includes('/v1/runs?')) revalidations.push((await request.allHeaders())['if-none-match']);
    });
    await expect.poll(() => revalidations.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(revalidations[0]).toMatch(/^"[\w-]+"$/);
    await page.screenshot({ path: join(SCREENSHOTS, 'runs.png'), fullPage: true });
    expect(await accessibilityProblems(page)).toEqual([]);
    await row.getByRole('link', { name: trained.runId }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(trained.runId) }).waitFor();
    await page.close();
  });

  it("shows a run's stages, params, lineage and a loss curve with every point the run logged", async () => {
    const page = await signedIn(up.adminToken, `#/runs/${encodeURIComponent(trained.runId)}`);
    const { points } = (await (
      await fetch(`${up.apiUrl}/v1/runs/${trained.runId}/metrics`, { headers: { authorization: `Bearer ${up.adminToken}` } })
    ).json()) as { points: { name: string; step: number | null }[] };
    const logged = points.filter((p) => p.name === 'train_log_loss' && p.step !== null).length;
    expect(logged).toBe(10);
    const loss = page.locator('figure[data-metric="log_loss"]');
    await loss.locator('canvas').waitFor();
    expect(await loss.locator('[data-series="train_log_loss"]').textContent()).toContain(`${logged} points`);
    expect(await loss.locator('[data-series="train_log_loss"]').getAttribute('data-points')).toBe(String(logged));
    const timeline = page.locator('table.timeline tbody tr');
    expect(await timeline.count()).toBe(trained.steps.length);
    expect(await page.locator('tr[data-step="train"]').textContent()).toContain('succeeded');
    expect(await page.getByRole('region', { name: 'Params' }).textContent()).toContain('epochs10');
    expect(await page.getByRole('region', { name: 'Lineage' }).textContent()).toContain(trained.datasetVersion!);
    await expect.poll(() => page.getByRole('region', { name: 'Log of evaluate' }).textContent()).not.toContain('Loading');
    const webUi = await page.getByRole('link', { name: 'Open in Temporal Web UI' }).getAttribute('href');
    expect(webUi).toMatch(new RegExp(`^${up.webUiUrl}/namespaces/[^/]+/workflows/${trained.runId}$`));
    // The Web UI kiln up started answers at that address.
    expect((await fetch(up.webUiUrl)).status).toBe(200);
    await page.getByLabel('Log scale').check();
    await loss.locator('canvas').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'run.png'), fullPage: true });
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.close();
  });

  it("tails a running stage's log on the run page, then shows the stored log once it ends", async () => {
    const { run_id } = await client.startRun({ project: 'sleepy', params: { extras: { sleep_seconds: 6 } } });
    const page = await signedIn(up.adminToken, `#/runs/${encodeURIComponent(run_id)}`);
    const log = page.getByRole('region', { name: 'Log of train' });
    // The metric line train prints before it sleeps reaches the page while the attempt still runs.
    await expect.poll(() => log.textContent(), { timeout: 60_000 }).toContain('"loss"');
    expect(await page.locator('[data-live="true"]').count()).toBe(1);
    expect((await client.getRun(run_id)).status).toBe('running');
    expect(await page.getByRole('button', { name: 'Download log' }).isEnabled()).toBe(true);
    await waitForRun(client, run_id, 60_000);
    await expect.poll(() => page.locator('[data-live="true"]').count(), { timeout: 20_000 }).toBe(0);
    await page.getByRole('combobox', { name: 'Stage' }).selectOption('train');
    await expect.poll(() => log.textContent()).toContain('"loss"');
    await page.close();
  });

  it('cancels a running run from its row, stopping its process; a viewer sees no cancel button', async () => {
    const pidFile = join(pidDir, 'cancel.json');
    const { run_id } = await client.startRun({ project: 'sleepy', params: { extras: { sleep_seconds: 120, pid_file: pidFile } } });
    expect(await eventually(() => readPids(pidFile) !== undefined, 60_000)).toBe(true);
    const pids = readPids(pidFile)!;

    const viewer = await signedIn(viewerToken);
    const viewerRow = viewer.locator(`tr[data-run-id="${run_id}"]`);
    await expect.poll(() => viewerRow.textContent()).toContain('running');
    expect(await viewer.getByRole('button', { name: /^Cancel run/ }).count()).toBe(0);
    await viewer.screenshot({ path: join(SCREENSHOTS, 'runs-viewer.png'), fullPage: true });
    await viewer.close();

    const admin = await signedIn(up.adminToken);
    await admin.getByRole('button', { name: `Cancel run ${run_id}` }).click();
    await admin
      .getByRole('status')
      .filter({ hasText: `Cancelling ${run_id}` })
      .waitFor();
    const run = await waitForRun(client, run_id, 60_000);
    expect(run.status).toBe('cancelled');
    expect(await eventually(() => !isAlive(pids.pid) && !isAlive(pids.child), 10_000)).toBe(true);
    await expect.poll(() => admin.locator(`tr[data-run-id="${run_id}"]`).textContent(), { timeout: 10_000 }).toContain('cancelled');
    await admin.close();
  });

  it('compares runs picked in the table: the differing param first, their loss curves overlaid', async () => {
    const page = await signedIn(up.adminToken);
    for (const run of [trained, shorter]) await page.getByLabel(`Select run ${run.runId}`).check();
    await page.getByRole('link', { name: 'Compare selected (2)' }).click();
    await page.getByRole('heading', { level: 1, name: 'Compare 2 runs' }).waitFor();
    const firstParam = page.locator('table.params-diff tbody tr').first();
    expect(await firstParam.getAttribute('data-param')).toBe('epochs');
    expect(await firstParam.textContent()).toMatch(/differs.*10.*5/);
    const loss = page.locator('figure[data-metric="train_log_loss"]');
    await loss.locator('canvas').waitFor();
    expect(await loss.locator(`[data-series="${trained.runId}"]`).getAttribute('data-points')).toBe('10');
    expect(await loss.locator(`[data-series="${shorter.runId}"]`).getAttribute('data-points')).toBe('5');
    await page.screenshot({ path: join(SCREENSHOTS, 'compare.png'), fullPage: true });
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.close();
  });

  it("shows a model's versions with lineage, aliases and their history, drift per feature and live quality; rolls back", async () => {
    const model = trained.modelName;
    const { versions, serving: served } = await client.showModel(model);
    const serving = served!.version;
    // README's monitoring walk-through against the served model: predictions of the example's rows
    // and their labels, the monitor; then predictions with two features shifted, the monitor again.
    await predictAndLabel(client, model, 1000);
    await monitorNow(up, 'breast-cancer', model);
    await predictAndLabel(client, model, 1000, ['mean radius', 'mean texture']);
    await monitorNow(up, 'breast-cancer', model);
    // Oldest first, as the page shows them (the hourly schedule may have added a window of its own).
    const reports = (await client.monitoring(model, 24)).reports.reverse();
    expect(reports.at(-1)!.drifted_features.sort()).toEqual(['mean radius', 'mean texture']);
    expect(reports.at(-2)!.drifted_features).toEqual([]);
    const driftedWindows = (feature: string) => reports.filter((r) => r.features.find((f) => f.feature === feature)?.drifted).length;
    const withAccuracy = reports.filter((r) => r.quality.live.task === 'classification').length;
    expect(withAccuracy).toBeGreaterThanOrEqual(2);
    const viewer = await signedIn(viewerToken, '#/models');
    const listed = viewer.locator(`tr[data-model="${model}"]`);
    await expect.poll(() => listed.textContent()).toContain(`v${serving}`);
    expect(await accessibilityProblems(viewer)).toEqual([]);
    await listed.getByRole('link', { name: model, exact: true }).click();
    await viewer.getByRole('heading', { level: 1, name: model }).waitFor();
    expect(await viewer.locator('table.versions tbody tr').count()).toBe(versions.length);
    expect(await viewer.locator('p[data-serving]').getAttribute('data-serving')).toBe(String(serving));
    expect(await viewer.locator(`tr[data-version="${trained.modelVersion}"]`).textContent()).toContain(trained.runId);
    expect(await viewer.locator(`tr[data-version="${trained.modelVersion}"]`).textContent()).toContain(trained.datasetVersion!);
    expect(await viewer.locator('table.aliases tr[data-alias="champion"]').textContent()).toContain(`v${serving}`);
    expect(await viewer.locator('table.alias-history tbody tr').count()).toBeGreaterThan(0);
    const radius = viewer.locator('table.drift tr[data-feature="mean radius"]');
    await radius.waitFor();
    expect(await radius.locator('td').count()).toBe(reports.length);
    expect(await radius.locator('td[data-drifted]').count()).toBe(driftedWindows('mean radius'));
    expect(await radius.locator('td').last().getAttribute('data-drifted')).toBe('true');
    expect(await viewer.locator('table.drift tr[data-feature="mean smoothness"] td[data-drifted]').count()).toBe(driftedWindows('mean smoothness'));
    expect(driftedWindows('mean smoothness')).toBe(0);
    expect(await viewer.locator('section[aria-labelledby="monitoring-title"] p.summary').textContent()).toContain('drifted (mean radius, mean texture)');
    const quality = viewer.locator('figure[data-metric="live quality"]');
    await quality.locator('canvas').waitFor();
    expect(await quality.locator('[data-series="accuracy"]').getAttribute('data-points')).toBe(String(withAccuracy));
    expect(await viewer.getByRole('button', { name: /^Roll back/ }).count()).toBe(0);
    expect(await accessibilityProblems(viewer)).toEqual([]);
    await viewer.close();

    const earlier = versions.find((v) => v.version !== serving);
    const admin = await signedIn(up.adminToken, `#/models/${model}`);
    await admin.locator('table.drift tbody tr').first().waitFor();
    await admin.screenshot({ path: join(SCREENSHOTS, 'model.png'), fullPage: true });
    if (earlier) {
      await admin.getByRole('button', { name: `Roll back to v${earlier.version}` }).click();
      await admin
        .getByRole('status')
        .filter({ hasText: `Serving v${earlier.version}` })
        .waitFor({ timeout: 60_000 });
      await expect.poll(() => admin.locator('p[data-serving]').getAttribute('data-serving')).toBe(String(earlier.version));
    }
    await admin.close();
  });

  it('lists schedules with next fire times and recent runs; triggers and pauses one; a viewer sees no such button', async () => {
    await client.applySchedule({ name: SCHEDULE, project: 'sleepy', cron: '0 3 * * *' });
    const viewer = await signedIn(viewerToken, '#/schedules');
    const viewerRow = viewer.locator(`tr[data-schedule="${SCHEDULE}"]`);
    await expect.poll(() => viewerRow.textContent(), { timeout: 10_000 }).toContain('active');
    expect(
      await viewer
        .getByRole('list', { name: `Next fire times of ${SCHEDULE}` })
        .getByRole('listitem')
        .count(),
    ).toBe(3);
    expect(await viewer.getByRole('button', { name: new RegExp(`(Pause|Trigger) ${SCHEDULE}`) }).count()).toBe(0);
    expect(await accessibilityProblems(viewer)).toEqual([]);
    await viewer.close();

    const admin = await signedIn(up.adminToken, '#/schedules');
    await admin.getByRole('button', { name: `Trigger ${SCHEDULE}` }).click();
    await admin
      .getByRole('status')
      .filter({ hasText: `Triggered ${SCHEDULE}` })
      .waitFor();
    const recent = admin.getByRole('list', { name: `Recent runs of ${SCHEDULE}` }).getByRole('listitem');
    await expect.poll(() => recent.count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => recent.first().textContent(), { timeout: 60_000 }).toContain('succeeded');
    const runId = await recent.first().getAttribute('data-run-id');
    expect((await client.getRun(runId!)).schedule).toBe(SCHEDULE);
    await admin.getByRole('button', { name: `Pause ${SCHEDULE}` }).click();
    await expect.poll(() => admin.locator(`tr[data-schedule="${SCHEDULE}"]`).textContent()).toContain('paused');
    expect((await client.getSchedule(SCHEDULE)).paused).toBe(true);
    await admin.screenshot({ path: join(SCREENSHOTS, 'schedules.png'), fullPage: true });
    await admin.close();
  });

  // How fast it shows them is bench/console.ts's (make bench-console): no timed test here.
  it('renders the runs page with 1,000 runs: the first 25 on screen, the rest paged', async () => {
    // History written straight into kiln up's database, as 1,000 earlier runs would have left it.
    const metadata = await openMetadataStore({ url: undefined, sqlitePath: homePaths(up.home).database });
    try {
      const model = (await metadata.runs.getRun(trained.runId))!;
      for (let i = 0; i < 1000; i++) {
        const id = `breast-cancer-seeded-${String(i).padStart(4, '0')}`;
        await metadata.runs.createRun({ ...model, id, workflowId: id, status: 'succeeded', trigger: 'api' });
      }
    } finally {
      await metadata.close();
    }
    const page = await signedIn(up.adminToken);
    await page.reload();
    await page.locator('table.runs tbody tr').nth(24).waitFor();
    // The page marks the moment its rows are on screen (what the bench measures from navigation).
    await page.waitForFunction(() => performance.getEntriesByName('kiln:runs-rendered').length > 0);
    expect(await page.locator('table.runs tbody tr').count()).toBe(25);
    expect(await page.getByText('Page 1 of').textContent()).toMatch(/Page 1 of 4\d/);
    await page.screenshot({ path: join(SCREENSHOTS, 'runs-1000.png') });
    await page.close();
  });
});
