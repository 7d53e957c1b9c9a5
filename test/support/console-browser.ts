import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import axe from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { INSTALL_DIR } from '../../core/config.js';

/** Where the console's browser tests save their screenshots and traces. */
export const SCREENSHOTS = join(INSTALL_DIR, 'test-results', 'console');
/** `KILN_README_SCREENSHOTS=1`: the README's screenshots in docs/console are replaced by the tests'. */
export const README_SCREENSHOTS = process.env.KILN_README_SCREENSHOTS === '1' ? join(INSTALL_DIR, 'docs', 'console') : undefined;

/** Copies the named screenshots to docs/console when the README's are being remade. */
export function copyReadmeScreenshots(names: string[]): void {
  if (!README_SCREENSHOTS) return;
  mkdirSync(README_SCREENSHOTS, { recursive: true });
  for (const name of names) copyFileSync(join(SCREENSHOTS, name), join(README_SCREENSHOTS, name));
}

/** A fresh tab signed in through the form, as a person does it; uncaught page errors go to `errors`. */
export async function signedIn(browser: Browser, apiUrl: string, token: string, hash: string, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (error) => errors.push(`${hash}: ${error.message}`));
  await page.goto(`${apiUrl}/${hash}`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Runs', exact: true }).waitFor();
  return page;
}

/** axe-core's serious and critical findings on the page as it is now. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const results = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")) as axe.AxeResults;
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
