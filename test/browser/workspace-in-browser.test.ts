import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KilnApiClient } from '../../api/client/kiln-api-client.js';
import { ensureChromium, launchChromium } from '../support/chromium.js';
import { SCREENSHOTS } from '../support/console-browser.js';
import { type KilnUp, kilnCli, sharedKilnUp } from '../support/kiln-cli.js';
import { applyWorkspaceProject, WORKSPACE_DATASET_ROWS, workspaceStatus } from '../support/workspace-fixture.js';

// A workspace as its owner opens it: `kiln workspace open` on a real `kiln up`, the printed link
// in Chromium, JupyterLab through the API's proxy, a notebook cell run in the project's
// environment over the kernel's websocket. Nothing but the link carries the way in.
const unavailable = ensureChromium();
if (unavailable && process.env.CI === 'true') throw new Error(`the workspace browser test needs Chromium: ${unavailable}`);

let up: KilnUp;
let client: KilnApiClient;
let browser: Browser;

beforeAll(async () => {
  ({ up, client } = sharedKilnUp());
  await applyWorkspaceProject(client, { project: 'notebooks', dataset: 'tiny-browser' });
  await kilnCli(up, ['workspace', 'create', 'lab', '--project', 'notebooks']);
  await workspaceStatus(client, 'lab', 'running', 400_000);
  browser = await launchChromium();
}, 600_000);
// The workspace is left running: `kiln up`'s teardown fails unless its server and kernels stop with it.
afterAll(async () => browser?.close());

describe.skipIf(unavailable !== undefined)('a JupyterLab workspace in Chromium, through the API', () => {
  it('opens from the printed one-time link, and a notebook cell runs in the environment', async () => {
    const link = (await kilnCli(up, ['workspace', 'open', 'lab'])).trim();
    expect(link).toMatch(new RegExp(`^${up.apiUrl}/workspaces/lab/lab\\?kiln_ticket=`));
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(link);
    await page.waitForURL(`${up.apiUrl}/workspaces/lab/lab`, { timeout: 30_000 });
    await page.locator('.jp-LauncherCard[data-category="Notebook"]').first().click({ timeout: 120_000 });
    // Once its kernel (started over the proxied websocket) is idle, a cell typed and run answers.
    await page.getByText('Python 3 (environment) | Idle').waitFor({ timeout: 120_000 });
    const cell = page.locator('.jp-Notebook .jp-Cell .cm-content').first();
    await cell.click({ timeout: 60_000 });
    await page.keyboard.insertText("import six; print(six.__version__, len(open('data/tiny.csv').readlines()))");
    await page.keyboard.press('Shift+Enter');
    await page.screenshot({ path: `${SCREENSHOTS}/workspace-notebook-run.png` });
    await expect
      .poll(
        () =>
          page
            .locator('.jp-OutputArea-output')
            .first()
            .textContent({ timeout: 1_000 })
            .catch(() => ''),
        { timeout: 120_000 },
      )
      .toContain(`1.16.0 ${WORKSPACE_DATASET_ROWS}`);
    await page.screenshot({ path: `${SCREENSHOTS}/workspace-notebook.png` });
    // The session cookie is the browser's only key, kept to this workspace's path (as JupyterLab's own
    // cookies are, under its base_url); the API's own routes do not take it.
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'kiln_workspace');
    expect(session && [session.path, session.httpOnly, session.sameSite]).toEqual(['/workspaces/lab/', true, 'Strict']);
    expect(cookies.filter((c) => !c.path.startsWith('/workspaces/lab/'))).toEqual([]);
    expect((await page.request.get(`${up.apiUrl}/v1/workspaces`)).status()).toBe(401);
    // The link opened once: another browser with it is refused.
    const other = await browser.newContext();
    const refused = await (await other.newPage()).goto(link);
    expect(refused?.status()).toBe(401);
    await other.close();
    await context.close();
  }, 400_000);
});
