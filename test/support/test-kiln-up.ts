import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { homePaths, INSTALL_DIR } from '../../core/config.js';
import { freePort } from '../../core/net/free-port.js';
import { SCREENSHOTS } from './console-browser.js';
import { kilnCli, type KilnUp } from './kiln-cli.js';
import { eventually, isAlive, kilnProcesses } from './process-check.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The real `kiln up` process the browser tests share (test/support/test-kiln-up.ts). */
    kilnUp: KilnUp;
  }
}

const READY_MS = 180_000;

/**
 * One real `kiln up` (bin/kiln.js, the built CLI a person runs) for the browser project: its
 * own data directory, API, Temporal dev server and Web UI on free ports. Provides its addresses,
 * the admin token it wrote and a viewer's token made with the CLI; the teardown stops it with
 * SIGTERM and fails when it leaves any process behind.
 */
export default async function provideKilnUp(project: TestProject): Promise<() => Promise<void>> {
  // What `make test-browser` does first: the CLI, the workflow bundle and the console, from these sources.
  const built = spawnSync('make', ['--no-print-directory', '-s', 'dist/.kiln-built', 'dist/console/index.html'], { cwd: INSTALL_DIR, stdio: 'inherit' });
  if (built.status !== 0) throw new Error(`make build exited ${built.status ?? built.error?.message}`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  const home = mkdtempSync(join(tmpdir(), 'kiln-browser-up-'));
  const logFile = join(SCREENSHOTS, 'kiln-up.log');
  let started: { child: ChildProcess; up: Omit<KilnUp, 'viewerToken'> } | undefined;
  try {
    // A port free a moment ago can be taken before kiln up binds it: then it exits, and runs again on others.
    for (let attempt = 1; !started; attempt++) {
      started = await startKilnUp(home, logFile).catch((error: unknown) => {
        if (attempt >= 3) throw error;
        return undefined;
      });
    }
    const { child, up } = started;
    // As a person sets up a read-only colleague: with the CLI on the data directory (the admin token).
    for (const args of [
      ['user', 'add', 'vera'],
      ['binding', 'add', 'user:vera', 'viewer'],
    ])
      await kilnCli(up, args);
    const viewerToken = (await kilnCli(up, ['token', 'create', '--name', 'console', '--for', 'user:vera'])).trim();
    project.provide('kilnUp', { ...up, viewerToken });
    return async () => {
      try {
        await stopKilnUp(child, home);
      } catch (error) {
        // vitest reports a teardown's error but exits 0 for it: a stack left running must fail the lane.
        process.exitCode = 1;
        throw error;
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    };
  } catch (error) {
    if (started) await stopKilnUp(started.child, home).catch(() => {});
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}

async function startKilnUp(home: string, logFile: string): Promise<{ child: ChildProcess; up: Omit<KilnUp, 'viewerToken'> }> {
  const [apiPort, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  const { KILN_TOKEN: _t, KILN_API_URL: _u, TEMPORAL_ADDRESS: _a, KILN_TEMPORAL_UI_URL: _w, ...env } = process.env;
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, [join(INSTALL_DIR, 'bin', 'kiln.js'), 'up'], {
    cwd: home,
    env: {
      ...env,
      KILN_HOME: home,
      KILN_API_PORT: String(apiPort),
      KILN_TEMPORAL_PORT: String(temporalPort),
      KILN_TEMPORAL_UI_PORT: String(uiPort),
      // The examples and test fixtures in the checkout, and the files tests write in the temporary directory.
      KILN_DATA_ROOTS: [INSTALL_DIR, tmpdir()].join(':'),
    },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const banner = () => readFileSync(logFile, 'utf8');
  await eventually(() => exited || banner().includes('Press Ctrl-C to stop.'), READY_MS, 200);
  if (exited || !banner().includes('Press Ctrl-C to stop.')) {
    if (!exited) await stopKilnUp(child, home).catch(() => {});
    throw new Error(`kiln up did not come up (${exited ? `exited ${child.exitCode}` : 'timed out'}); its output:\n${banner().slice(-4000)}`);
  }
  const field = (name: string) => new RegExp(`^\\s+${name}\\s+(\\S+)`, 'm').exec(banner())?.[1];
  const apiUrl = field('API')!;
  const adminToken = readFileSync(homePaths(home).adminToken, 'utf8').trim();
  return {
    child,
    up: { apiUrl, home, adminToken, webUiUrl: field('Web UI')!, temporalAddress: field('Temporal')!, taskQueue: 'kiln', logFile },
  };
}

/** SIGTERM, as Ctrl-C or a service manager stops it; then no process of this stack may be left. */
async function stopKilnUp(child: ChildProcess, home: string): Promise<void> {
  const tree = kilnProcesses(child.pid!, home);
  const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  const asked = performance.now();
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 60_000)))]);
  clearTimeout(timer);
  if (!inTime) child.kill('SIGKILL');
  await eventually(() => tree.every((p) => !isAlive(p.pid)), 10_000);
  const left = [...new Map([...tree.filter((p) => isAlive(p.pid)), ...kilnProcesses(undefined, home)].map((p) => [p.pid, p])).values()];
  for (const p of left) spawnSync('kill', ['-KILL', String(p.pid)]);
  const problems = [
    ...(inTime ? [] : ['kiln up did not exit within 60 s of SIGTERM']),
    ...(inTime && child.exitCode !== 0 ? [`kiln up exited ${child.exitCode ?? child.signalCode} on SIGTERM`] : []),
    ...(left.length ? [`kiln up left processes running: ${left.map((p) => `${p.pid} ${p.command}`).join('; ')}`] : []),
  ];
  if (problems.length) throw new Error(problems.join('\n'));
  console.log(`kiln up stopped on SIGTERM in ${((performance.now() - asked) / 1000).toFixed(1)} s; none of its ${tree.length} processes left`);
}
