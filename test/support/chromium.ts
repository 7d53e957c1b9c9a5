import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium: no browser download at test time, the distribution's security updates. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Installs Debian's `chromium` when it is missing (the test machine is root or has sudo).
 * Returns why it could not; under CI=true the caller fails rather than skipping.
 */
export function ensureChromium(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const install = (args: string[]) => spawnSync(sudo[0] ?? args[0]!, [...sudo.slice(1), ...(sudo.length ? args : args.slice(1))], { stdio: 'inherit' });
  install(['apt-get', 'update']);
  const installed = install(['apt-get', 'install', '-y', '--no-install-recommends', 'chromium']);
  return existsSync(CHROMIUM) ? undefined : `could not install chromium (apt-get exited ${installed.status ?? installed.error?.message})`;
}

/**
 * A headless Chromium that fetches nothing in the background. Playwright starts it with a fresh
 * temporary profile (its own --user-data-dir, removed on close).
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
