/**
 * `code-server` workspaces end to end on the local platform: a real code-server (npm, pinned in
 * scripts/tool-versions.sh, `make code-server-tools`) in a real uv environment, the workspace
 * workflow on the dev server and the API. The workspace's token is code-server's password (its
 * login page and session cookie); terminals get the environment's venv; a websocket client kept
 * open holds the workspace past its one-minute idle_timeout through code-server's heartbeat
 * file, and once it leaves the idle timeout stops the server a minute after the last beat;
 * `start` brings it back with its files on a new token. Under CI=true a missing code-server
 * fails this file rather than skipping it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { KilnApiClient } from '../../../api/client/kiln-api-client.js';
import { homePaths, loadConfig, type KilnConfig } from '../../../core/config.js';
import { requireTool } from '../../../core/environments/tool-paths.js';
import { codeServerPaths } from '../../../core/workspaces/local/code-server.js';
import type { EmbeddedStack } from '../../../workers/embedded-stack.js';
import { eventually, isAlive } from '../../support/process-check.js';
import { startTestStack } from '../../support/test-stack.js';
import { applyWorkspaceProject, refusal, workspaceStatus } from '../../support/workspace-fixture.js';

const installed = await requireTool(loadConfig(), 'code-server').then(
  () => true,
  (error: unknown) => {
    if (process.env.CI === 'true') throw error;
    return false;
  },
);

let stack: EmbeddedStack;
let client: KilnApiClient;
let config: KilnConfig;
const session = (token: string) => `code-server-session=${createHash('sha256').update(token).digest('hex')}`;
const get = (url: string, cookie?: string) => fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
const workspaceDir = () => join(homePaths(config.home).workspaces, 'ide');

const statusOf = (name: string, wanted: string, timeoutMs: number) => workspaceStatus(client, name, wanted, timeoutMs);

/** A process's environment as the kernel holds it. */
function environOf(pid: number): Record<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return Object.fromEntries(entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

/** The pids whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe.skipIf(!installed)('a code-server workspace on this machine', () => {
  let base = '';
  let token = '';
  /** The API proxy's session for `ide`. */
  let proxyCookie = '';

  beforeAll(async () => {
    ({ stack, client, config } = await startTestStack('code-server', { workspaceCheckSeconds: 3 }));
    await applyWorkspaceProject(client, { project: 'editors', dataset: 'tiny-cs' });
  }, 300_000);
  afterAll(async () => stack?.stop());

  it('starts on loopback with the workspace token as its password, and nothing but /healthz answers without it', async () => {
    const created = await client.createWorkspace({ name: 'ide', project: 'editors', kind: 'code-server', idle_timeout: '1m' });
    expect(created).toMatchObject({ name: 'ide', status: 'starting', kind: 'code-server', environment: 'six-py311' });
    await statusOf('ide', 'running', 300_000);
    const opened = await client.openWorkspace('ide');
    ({ base_url: base, token } = opened);
    expect(opened).toMatchObject({ kind: 'code-server', url: `${base}/login` });
    expect(new URL(base).hostname).toBe('127.0.0.1');

    const health = await get(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: expect.any(String), lastHeartbeat: expect.any(Number) });
    const anonymous = await get(`${base}/`);
    expect([anonymous.status, anonymous.headers.get('location')]).toEqual([302, expect.stringMatching(/\/login$/)]);
    expect((await get(`${base}/`, session('f'.repeat(48)))).headers.get('location')).toMatch(/\/login$/);

    const login = (password: string) =>
      fetch(`${base}/login`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ password }), headers: { origin: base } });
    expect((await login('wrong')).headers.get('set-cookie')).toBeNull();
    const loggedIn = await login(token);
    expect(loggedIn.status).toBe(302);
    expect(loggedIn.headers.get('set-cookie')).toContain(session(token));

    // Signed in, it opens the workspace's files.
    const home = await get(`${base}/`, session(token));
    expect(decodeURIComponent(home.headers.get('location') ?? '')).toContain(`folder=${join(workspaceDir(), 'files')}`);
    const workbench = await get(`${base}/?folder=${encodeURIComponent(join(workspaceDir(), 'files'))}`, session(token));
    expect(workbench.status).toBe(200);
    expect(await workbench.text()).toContain('workbench');
    expect(existsSync(join(workspaceDir(), 'files', 'src', 'stages.py'))).toBe(true);

    // Through the API: its proxy signs in for the ticket's holder (code-server's paths are relative, so it serves under the prefix).
    const api = stack.apiUrl!;
    expect(opened.proxy_path).toMatch(/^\/workspaces\/ide\/\?kiln_ticket=/);
    const landing = await fetch(`${api}${opened.proxy_path}`, { redirect: 'manual' });
    expect(landing.status).toBe(200);
    proxyCookie = (landing.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(proxyCookie).toMatch(/^kiln_workspace=/);
    expect((await get(`${api}/workspaces/ide/`)).status).toBe(401);
    const proxiedHome = await get(`${api}/workspaces/ide/`, proxyCookie);
    expect(proxiedHome.status).toBe(302);
    const next = new URL(proxiedHome.headers.get('location') ?? '', `${api}/workspaces/ide/`);
    expect(next.pathname).toBe('/workspaces/ide/');
    expect(next.searchParams.get('folder')).toBe(join(workspaceDir(), 'files'));
    const proxiedWorkbench = await get(next.href, proxyCookie);
    expect(proxiedWorkbench.status).toBe(200);
    expect(await proxiedWorkbench.text()).toContain('workbench');
  }, 420_000);

  it("gives terminals the environment's python and the metrics file, not the token", async () => {
    const { pid } = (await stack.backends.metadata.workspaces.get('ide'))!;
    const venv = (await stack.backends.metadata.environments.getBuild((await stack.backends.metadata.environments.get('six-py311'))!.specDigest))!.venvPath!;
    // code-server drops the password from what its VS Code server (and so each terminal) inherits.
    const [server] = childrenOf(pid!);
    expect(server).toBeDefined();
    const env = environOf(server!);
    expect(env.VIRTUAL_ENV).toBe(venv);
    expect(env.HASHED_PASSWORD).toBeUndefined();
    expect(Object.values(env).join('\n')).not.toContain(token);
    const python = execFileSync('python', ['-c', 'import six, sys; print(sys.prefix, six.__version__)'], { env, encoding: 'utf8' });
    expect(python.trim()).toBe(`${venv} 1.16.0`);
    // A script in a terminal logs metrics as a notebook does; the workspace's next look stores them.
    execFileSync('python', ['-c', 'import kiln_sdk; kiln_sdk.log_metric("loss", 0.5, step=2)'], { env });
    expect(await eventually(async () => (await client.workspaceMetrics('ide')).metrics.length > 0, 30_000, 500)).toBe(true);
    expect((await client.workspaceMetrics('ide')).metrics).toEqual([{ name: 'loss', count: 1, last: expect.objectContaining({ value: 0.5, step: 2 }) }]);
    writeFileSync(join(workspaceDir(), 'files', 'notes.txt'), 'kept across restarts');
  }, 60_000);

  it('a connected client keeps it past idle_timeout; once it leaves, it stops a minute after the last heartbeat', async () => {
    const heartbeat = codeServerPaths(workspaceDir()).heartbeat;
    const firstBeat = statSync(heartbeat).mtimeMs;
    // The editor's websocket as a browser tab holds it: through the API's proxy, with the proxy's cookie.
    const api = stack.apiUrl!;
    const socket = new WebSocket(`${api.replace('http', 'ws')}/workspaces/ide/?reconnectionToken=kiln-test&reconnection=false&skipWebSocketFrames=false`, {
      headers: { cookie: proxyCookie, origin: api },
    });
    await new Promise((opened, failed) => socket.once('open', opened).once('error', failed));
    await new Promise((r) => setTimeout(r, 80_000));
    expect(socket.readyState).toBe(WebSocket.OPEN);
    expect((await client.getWorkspace('ide')).status).toBe('running');
    expect(statSync(heartbeat).mtimeMs).toBeGreaterThan(firstBeat + 50_000);
    socket.terminate();

    const { pid } = (await stack.backends.metadata.workspaces.get('ide'))!;
    const stopped = await statusOf('ide', 'stopped', 150_000);
    expect(stopped.reason).toBe('idle for 1m (idle_timeout)');
    expect(Date.now() - statSync(heartbeat).mtimeMs).toBeGreaterThanOrEqual(57_000);
    expect(await eventually(() => !isAlive(pid!), 15_000)).toBe(true);
    expect((await refusal(client.openWorkspace('ide'))).status).toBe(409);
  }, 260_000);

  it('starts again with its files, on a new token; the old one no longer signs in', async () => {
    await client.startWorkspace('ide');
    await statusOf('ide', 'running', 120_000);
    const opened = await client.openWorkspace('ide');
    expect(opened.token).not.toBe(token);
    expect((await get(`${opened.base_url}/`, session(token))).headers.get('location')).toMatch(/\/login$/);
    expect((await get(`${opened.base_url}/`, session(opened.token))).headers.get('location')).toContain('folder=');
    expect((await get(`${opened.base_url}/healthz`)).status).toBe(200);
    expect(readFileSync(join(workspaceDir(), 'files', 'notes.txt'), 'utf8')).toBe('kept across restarts');
  }, 180_000);

  it('delete stops the server and removes the files and the record', async () => {
    const { pid } = (await stack.backends.metadata.workspaces.get('ide'))!;
    await client.deleteWorkspace('ide');
    expect(await eventually(async () => (await client.listWorkspaces()).length === 0, 60_000, 500)).toBe(true);
    expect(await eventually(() => !isAlive(pid!), 15_000)).toBe(true);
    expect(existsSync(workspaceDir())).toBe(false);
  }, 90_000);
});
