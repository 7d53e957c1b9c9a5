import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import type { ExperimentView, KilnApiClient } from '../../api/client/kiln-api-client.js';
import { INSTALL_DIR } from '../../core/config.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { ensureChromium, launchChromium } from '../support/chromium.js';
import { accessibilityProblems, copyReadmeScreenshots, SCREENSHOTS, signedIn as signedInAs } from '../support/console-browser.js';
import { startTestStack } from '../support/test-stack.js';

// The experiment pages in Chromium against the tuning example's own experiment, run for real.
const EXAMPLE = join(INSTALL_DIR, 'examples', 'tuning-curves');
const unavailable = ensureChromium();
if (unavailable && process.env.CI === 'true') throw new Error(`the console's browser tests need Chromium: ${unavailable}`);

let stack: EmbeddedStack;
let client: KilnApiClient;
let browser: Browser;
let viewerToken: string;
let finished: ExperimentView;
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  ({ stack, client } = await startTestStack('console-experiments'));
  await applySpecFile(client, readSpecFile(join(EXAMPLE, 'kiln.json')));
  await client.addPrincipal('user', { name: 'vera' });
  await client.addBinding({ principal: 'user:vera', role: 'viewer' });
  viewerToken = (await client.createToken({ name: 'console', owner: 'user:vera' })).token;
  const { experiment_id } = await client.createExperiment(JSON.parse(readFileSync(join(EXAMPLE, 'experiment.json'), 'utf8')));
  const deadline = Date.now() + 420_000;
  for (;;) {
    finished = await client.getExperiment(experiment_id);
    if (finished.status !== 'running') break;
    if (Date.now() > deadline) throw new Error(`experiment ${experiment_id} still running: ${JSON.stringify(finished)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  browser = await launchChromium();
}, 600_000);
afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});
afterAll(async () => {
  copyReadmeScreenshots(['experiment.png']);
  await browser?.close();
  await stack?.stop();
});

const signedIn = (token: string, hash: string): Promise<Page> => signedInAs(browser, stack.apiUrl!, token, hash, pageErrors);

describe.skipIf(unavailable !== undefined)('the experiment pages in Chromium', () => {
  it('lists the experiment and links it to its page', async () => {
    const page = await signedIn(stack.adminToken!, '#/experiments');
    const row = page.locator(`tr[data-experiment-id="${finished.experimentId}"]`);
    await expect.poll(() => row.textContent(), { timeout: 30_000 }).toContain('curves');
    expect(await row.textContent()).toContain('completed');
    expect(await accessibilityProblems(page)).toEqual([]);
    await row.getByRole('link', { name: finished.experimentId }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(finished.experimentId) }).waitFor();
    await page.close();
  });

  it('shows every trial in a sortable table, the objective with its best so far, and one parallel-coordinates line per trial', async () => {
    expect(finished.status).toBe('succeeded');
    const page = await signedIn(stack.adminToken!, `#/experiments/${encodeURIComponent(finished.experimentId)}`);
    await page.getByRole('heading', { level: 1, name: new RegExp(finished.experimentId) }).waitFor();
    const rows = page.locator('table.trials tbody tr');
    expect(await rows.count()).toBe(finished.trials.length);
    // Early-stopped and failed trials are marked as such, in the table and in the plot.
    for (const trial of finished.trials) {
      expect(await page.locator(`table.trials tr[data-trial="${trial.index}"]`).getAttribute('data-status')).toBe(trial.status);
      expect(await page.locator(`path.trial[data-trial="${trial.index}"]`).getAttribute('class')).toContain(trial.status);
    }
    const lines = page.locator('figure.parallel svg path.trial');
    expect(await lines.count()).toBe(finished.trials.length);
    expect(await page.locator(`path.trial.best[data-trial="${finished.best!.index}"]`).count()).toBe(1);
    const stopped = finished.trials.filter((t) => t.status === 'early_stopped').length;
    expect(await page.locator('table.trials tr[data-status="early_stopped"]').count()).toBe(stopped);
    if (stopped) expect(await page.locator('table.trials').textContent()).toContain('early stopped');

    const chart = page.locator('figure[data-metric="accuracy"]');
    await chart.locator('canvas').waitFor();
    const succeeded = finished.trials.filter((t) => t.status === 'succeeded').length;
    expect(await chart.locator('[data-series="objective"]').getAttribute('data-points')).toBe(String(succeeded));
    expect(await chart.locator('[data-series="best so far"]').getAttribute('data-points')).toBe(String(succeeded));

    // Sorted by the objective, best first on the second click.
    const sortByObjective = page.getByRole('button', { name: 'accuracy' });
    await sortByObjective.click();
    await sortByObjective.click();
    expect(await page.getByRole('columnheader', { name: 'accuracy' }).getAttribute('aria-sort')).toBe('descending');
    expect(await rows.first().getAttribute('data-trial')).toBe(String(finished.best!.index));

    for (const name of ['Promote best trial', 'Extend']) expect(await page.getByRole('button', { name }).count()).toBe(1);
    await page.screenshot({ path: join(SCREENSHOTS, 'experiment.png'), fullPage: true });
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.close();
  });

  it('shows a viewer no promote, stop or extend button', async () => {
    const page = await signedIn(viewerToken, `#/experiments/${encodeURIComponent(finished.experimentId)}`);
    await page.locator('table.trials tbody tr').first().waitFor();
    for (const name of ['Promote best trial', 'Stop', 'Extend']) expect(await page.getByRole('button', { name }).count()).toBe(0);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.close();
  });

  it('promotes the best trial through the API: a run that reuses its stages', async () => {
    const page = await signedIn(stack.adminToken!, `#/experiments/${encodeURIComponent(finished.experimentId)}`);
    await page.getByRole('button', { name: 'Promote best trial' }).click();
    const notice = page.getByRole('status').filter({ hasText: `Promoting trial ${finished.best!.index} as run` });
    await notice.waitFor();
    const runId = /as run (\S+)/.exec((await notice.textContent()) ?? '')?.[1];
    expect((await client.getRun(runId!)).project).toBe('curves');
    await page.close();
  });

  it('shows environments with their build state and build log, and datasets with their versions; to a viewer too', async () => {
    const page = await signedIn(viewerToken, '#/environments');
    const row = page.locator('tr[data-environment="stdlib-py311"]');
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('ready');
    await page.getByRole('button', { name: 'Build log of stdlib-py311' }).click();
    const log = page.getByRole('region', { name: 'Build log of stdlib-py311' });
    await expect.poll(() => log.locator('pre').textContent()).not.toBe('Loading…');
    const stored = (await (
      await fetch(`${stack.apiUrl}/v1/environments/stdlib-py311/build-log`, { headers: { authorization: `Bearer ${viewerToken}` } })
    ).json()) as { text: string; attempt: number };
    expect(await log.locator('pre').textContent()).toBe(stored.text);
    expect(await log.textContent()).toContain(`attempt ${stored.attempt}`);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'environments.png'), fullPage: true });

    await page.getByRole('link', { name: 'Datasets', exact: true }).click();
    const versions = (await (await fetch(`${stack.apiUrl}/v1/datasets/tiny/versions`, { headers: { authorization: `Bearer ${viewerToken}` } })).json()) as {
      id: string;
    }[];
    expect(versions.length).toBeGreaterThan(0);
    const rows = page.locator('section[data-dataset="tiny"] table.dataset-versions tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(versions.length);
    expect(await rows.first().getAttribute('data-version')).toBe(versions[0]!.id);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'datasets.png'), fullPage: true });
    await page.close();
  });
});
