import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentView, KilnApiClient } from '../../api/client/kiln-api-client.js';
import { INSTALL_DIR } from '../../core/config.js';
import type { ExperimentSpecInput } from '../../core/specs/experiment.js';
import { ensureChromium, launchChromium } from '../support/chromium.js';
import { accessibilityProblems, copyReadmeScreenshots, SCREENSHOTS, signedIn as signedInAs } from '../support/console-browser.js';
import { type KilnUp, kilnCli, sharedKilnUp } from '../support/kiln-cli.js';

// The experiment pages in Chromium against the tuning example's own experiment, run for real on a
// real `kiln up` (test/support/test-kiln-up.ts) with the CLI, as README runs it.
const EXAMPLE = join(INSTALL_DIR, 'examples', 'tuning-curves');
const unavailable = ensureChromium();
if (unavailable && process.env.CI === 'true') throw new Error(`the console's browser tests need Chromium: ${unavailable}`);

let up: KilnUp;
let client: KilnApiClient;
let browser: Browser;
let viewerToken: string;
let finished: ExperimentView;
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  ({ up, client } = sharedKilnUp());
  viewerToken = up.viewerToken;
  await kilnCli(up, ['apply', '-f', join(EXAMPLE, 'kiln.json')]);
  const experimentId = (await kilnCli(up, ['experiment', 'create', '-f', join(EXAMPLE, 'experiment.json')])).trim();
  finished = await until(experimentId, ended, 420_000);
  browser = await launchChromium();
}, 600_000);
afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});
afterAll(async () => {
  copyReadmeScreenshots(['experiment.png']);
  await browser?.close();
});

const signedIn = (token: string, hash: string): Promise<Page> => signedInAs(browser, up.apiUrl, token, hash, pageErrors);
const ended = (view: ExperimentView) => view.status !== 'running';

/** Polls the experiment through the API until `done` holds. */
async function until(id: string, done: (view: ExperimentView) => boolean, timeoutMs = 180_000): Promise<ExperimentView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await client.getExperiment(id);
    if (done(view)) return view;
    if (Date.now() > deadline) throw new Error(`experiment ${id} did not get there: ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A small grid experiment on the example's project: one value per trial of `parameter`. */
const gridExperiment = (name: string, parameter: string, values: number[], maxTrials: number): ExperimentSpecInput => ({
  name,
  project: 'curves',
  objective: { metric: 'accuracy', goal: 'maximize' },
  parameters: [{ name: parameter, type: 'discrete', values }],
  algorithm: { name: 'grid' },
  parallel_trial_count: 1,
  max_trial_count: maxTrials,
});

describe.skipIf(unavailable !== undefined)('the experiment pages in Chromium', () => {
  it('lists the experiment and links it to its page', async () => {
    const page = await signedIn(up.adminToken, '#/experiments');
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
    const page = await signedIn(up.adminToken, `#/experiments/${encodeURIComponent(finished.experimentId)}`);
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
    const page = await signedIn(up.adminToken, `#/experiments/${encodeURIComponent(finished.experimentId)}`);
    await page.getByRole('button', { name: 'Promote best trial' }).click();
    const notice = page.getByRole('status').filter({ hasText: `Promoting trial ${finished.best!.index} as run` });
    await notice.waitFor();
    const runId = /as run (\S+)/.exec((await notice.textContent()) ?? '')?.[1];
    expect((await client.getRun(runId!)).project).toBe('curves');
    await page.close();
  });

  it('stops a running experiment from its page: its trial is cancelled and the API says stopped', async () => {
    // One trial of 300 steps of 0.2 s: a minute, far longer than the test waits for the stop.
    const { experiment_id } = await client.createExperiment(gridExperiment('stop-me', 'extras.steps', [300], 1));
    await until(experiment_id, (v) => v.trials.some((t) => t.status === 'running'), 60_000);
    const viewer = await signedIn(viewerToken, `#/experiments/${encodeURIComponent(experiment_id)}`);
    await viewer.locator('table.trials tbody tr').first().waitFor();
    expect(await viewer.getByRole('button', { name: 'Stop' }).count()).toBe(0);
    await viewer.close();

    const page = await signedIn(up.adminToken, `#/experiments/${encodeURIComponent(experiment_id)}`);
    const status = page.getByRole('heading', { level: 1 }).locator('span.status');
    expect(await status.textContent()).toBe('running');
    await page.getByRole('button', { name: 'Stop' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Stopping ${experiment_id}` })
      .waitFor();
    const stopped = await until(experiment_id, ended, 60_000);
    expect(stopped.status).toBe('stopped');
    expect(stopped.trials.map((t) => t.status)).toEqual(['cancelled']);
    expect((await client.getRun(stopped.trials[0]!.runId)).status).toBe('cancelled');
    // The page follows: stopped, its trial cancelled, and no Stop button any more.
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toBe('stopped');
    expect(await page.locator('table.trials tr[data-trial="0"]').getAttribute('data-status')).toBe('cancelled');
    expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.close();
  });

  it('extends a finished experiment from its page: the API reports the new budget and runs the extra trial', async () => {
    const { experiment_id } = await client.createExperiment(gridExperiment('extend-me', 'extras.quality', [0.9, 0.8], 1));
    const before = await until(experiment_id, ended);
    expect(before.status).toBe('succeeded');
    expect(before.trials).toHaveLength(1);
    const page = await signedIn(up.adminToken, `#/experiments/${encodeURIComponent(experiment_id)}`);
    const rows = page.locator('table.trials tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    await page.getByLabel('Max trials').fill('2');
    await page.getByRole('button', { name: 'Extend' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Extended ${experiment_id} to 2 trials` })
      .waitFor();
    expect((await client.getExperiment(experiment_id)).maxTrialCount).toBe(2);
    const extended = await until(experiment_id, (v) => ended(v) && v.trials.length === 2);
    expect(extended.status).toBe('succeeded');
    expect(extended.trials.map((t) => t.assignment['extras.quality'])).toEqual([0.9, 0.8]);
    // The page polls while the experiment runs again: the second trial appears, and it ends.
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(() => page.locator('table.trials tr[data-trial="1"]').getAttribute('data-status'), { timeout: 30_000 }).toBe('succeeded');
    expect(await page.locator('p.summary').textContent()).toContain('2 of 2 trials');
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
      await fetch(`${up.apiUrl}/v1/environments/stdlib-py311/build-log`, { headers: { authorization: `Bearer ${viewerToken}` } })
    ).json()) as { text: string; attempt: number };
    expect(await log.locator('pre').textContent()).toBe(stored.text);
    expect(await log.textContent()).toContain(`attempt ${stored.attempt}`);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'environments.png'), fullPage: true });

    await page.getByRole('link', { name: 'Datasets', exact: true }).click();
    const versions = (await (await fetch(`${up.apiUrl}/v1/datasets/tiny/versions`, { headers: { authorization: `Bearer ${viewerToken}` } })).json()) as {
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
