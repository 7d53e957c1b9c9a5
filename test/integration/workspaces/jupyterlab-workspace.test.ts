/**
 * Workspaces end to end on the local platform: a real JupyterLab (PyPI, pinned in
 * scripts/tool-versions.sh) installed beside a real uv environment, the workspace workflow on
 * the dev server, the API and its access checks. A notebook cell run through Jupyter's REST API
 * and kernel websocket imports the environment's own package and reads the dataset; the real
 * idle timeout (1 minute, the least a spec may ask) stops the server; `start` brings it back with
 * the files the cell wrote. A cell's `kiln_sdk.log_metric` is stored at the next look and read
 * through the API. Only the time between two looks at the server is shortened (3 s, the
 * KILN_WORKSPACE_CHECK_SECONDS setting).
 */
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KilnApiClient } from '../../../api/client/kiln-api-client.js';
import { homePaths, type KilnConfig } from '../../../core/config.js';
import type { EmbeddedStack } from '../../../workers/embedded-stack.js';
import WebSocket from 'ws';
import { executeCell, jupyterApi } from '../../support/jupyter-kernel.js';
import { eventually, isAlive } from '../../support/process-check.js';
import { startTestStack } from '../../support/test-stack.js';
import { waitForRun } from '../../support/wait-for-run.js';
import { applyWorkspaceProject, refusal, WORKSPACE_DATASET_ROWS as DATASET_ROWS, workspaceStatus } from '../../support/workspace-fixture.js';

let stack: EmbeddedStack;
let client: KilnApiClient;
let config: KilnConfig;
/** The proxy session bought before the restart. */
let sessionCookie = '';

const statusOf = (name: string, wanted: string, timeoutMs: number) => workspaceStatus(client, name, wanted, timeoutMs);

beforeAll(async () => {
  ({ stack, client, config } = await startTestStack('workspaces', { workspaceCheckSeconds: 3 }));
  await applyWorkspaceProject(client, { project: 'notebooks', dataset: 'tiny-ws' });
}, 300_000);
afterAll(async () => stack?.stop());

describe('workspace specs the API refuses (400 naming the field, nothing created)', () => {
  it.each([
    ['an unknown project', { name: 'bad', project: 'no-such-project' }, 'project'],
    ['more GPUs than any node has', { name: 'bad', project: 'notebooks', resources: { gpus: 1 } }, 'resources.gpus'],
    ['an idle timeout under a minute', { name: 'bad', project: 'notebooks', idle_timeout: '30s' }, 'idle_timeout'],
  ])('%s', async (_what, spec, field) => {
    const error = await refusal(client.createWorkspace(spec));
    expect(error.status).toBe(400);
    expect(error.fields.map((f) => f.path)).toContain(field);
    expect(await client.listWorkspaces()).toEqual([]);
  });
});

describe('a JupyterLab workspace on this machine', () => {
  let base = '';
  let token = '';

  it("starts in the project's environment, and a cell imports its package and reads the dataset", async () => {
    const created = await client.createWorkspace({ name: 'nb', project: 'notebooks', idle_timeout: '1m' });
    expect(created).toMatchObject({ name: 'nb', status: 'starting', owner: 'user:admin', environment: 'six-py311', kind: 'jupyterlab' });
    expect(JSON.stringify(await client.getWorkspace('nb'))).not.toMatch(/token/);
    await statusOf('nb', 'running', 300_000);
    const opened = await client.openWorkspace('nb');
    ({ base_url: base, token } = opened);
    expect(opened.url).toBe(`${base}/lab?token=${token}`);
    expect(new URL(base).hostname).toBe('127.0.0.1');
    expect((await fetch(`${base}/api/status`)).status).toBe(403);

    const venv = (await stack.backends.metadata.environments.getBuild(await envDigest()))?.venvPath;
    const cell = await executeCell(
      base,
      token,
      [
        'import csv, six',
        `print(six.__version__, six.__file__.startswith(${JSON.stringify(venv)}))`,
        "print(len(list(csv.reader(open('data/tiny.csv')))))",
        "open('notes.txt', 'w').write('kept across restarts')",
        // kiln_sdk's checkpoints work in a notebook as in a stage.
        'from kiln_sdk import save_checkpoint',
        "_ = save_checkpoint({'weights': [1, 2]}, step=3)",
      ].join('\n'),
    );
    expect(cell).toEqual({ status: 'ok', output: `1.16.0 True\n${DATASET_ROWS}\n` });
    const source = await jupyterApi<{ type: string }>(base, token, 'GET', '/api/contents/src/stages.py?content=0');
    expect(source).toMatchObject({ status: 200, body: { type: 'file' } });
  }, 420_000);

  it('is reached through the API: a one-time link buys a session cookie, and a cell runs through the proxy', async () => {
    const api = stack.apiUrl!;
    const opened = await client.openWorkspace('nb');
    expect(opened.proxy_path).toMatch(/^\/workspaces\/nb\/lab\?kiln_ticket=[\w-]+\.[\w-]+$/);
    const landing = await fetch(`${api}${opened.proxy_path}`, { redirect: 'manual' });
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain('content="0;url=/workspaces/nb/lab"');
    const setCookie = landing.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^kiln_workspace=[\w-]+\.[\w-]+; Max-Age=43200; Path=\/workspaces\/nb\/; HttpOnly; SameSite=Strict$/);
    const cookie = setCookie.split(';')[0]!;
    sessionCookie = cookie;
    // A ticket opens once.
    expect((await fetch(`${api}${opened.proxy_path}`)).status).toBe(401);

    // JupyterLab's page, its REST API and a kernel's websocket, with the cookie alone (the proxy adds the server's token).
    const page = await fetch(`${api}/workspaces/nb/lab`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('"baseUrl": "/workspaces/nb/"');
    const viaApi = `${api}/workspaces/nb`;
    const cell = await executeCell(viaApi, { cookie, origin: api }, "print(open('data/tiny.csv').read().count(chr(10)))");
    expect(cell).toEqual({ status: 'ok', output: `${DATASET_ROWS}\n` });
    expect(await jupyterApi(viaApi, { cookie }, 'GET', '/api/contents/src/stages.py?content=0')).toMatchObject({ status: 200, body: { type: 'file' } });

    // No cookie, a forged one, another site's page, or a websocket from another origin: refused.
    expect((await jupyterApi(viaApi, {}, 'GET', '/api/contents')).status).toBe(401);
    expect((await jupyterApi(viaApi, { cookie: `kiln_workspace=${cookie.split('=')[1]!.replace(/.$/, 'x')}` }, 'GET', '/api/contents')).status).toBe(401);
    expect((await jupyterApi(viaApi, { cookie, origin: 'https://evil.example' }, 'POST', '/api/kernels', { name: 'python3' })).status).toBe(403);
    const kernels = await jupyterApi<{ id: string }[]>(viaApi, { cookie }, 'GET', '/api/kernels');
    const channels = `${viaApi.replace(/^http/, 'ws')}/api/kernels/${kernels.body[0]!.id}/channels`;
    expect(await upgradeStatus(channels, { cookie, origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(channels, { origin: api })).toBe(401);
    expect(await upgradeStatus(channels, { cookie, origin: api })).toBe(101);
    expect((await fetch(`${api}/workspaces/no-such/lab`, { headers: { cookie } })).status).toBe(409);
    // A page reaching us under another name (DNS rebinding) is refused before the cookie is looked at.
    expect(await statusWithHost(`${viaApi}/api/contents`, 'evil.example', cookie)).toBe(421);
  }, 120_000);

  it("records a notebook's kiln_sdk.log_metric in the metadata store at the next look, readable through the API", async () => {
    const cell = await executeCell(base, token, 'import kiln_sdk\nkiln_sdk.log_metric("acc", 0.9, step=1)');
    expect(cell).toEqual({ status: 'ok', output: 'KILN_METRIC {"name":"acc","value":0.9,"step":1}\n' });
    expect(await eventually(async () => (await client.workspaceMetrics('nb')).points.length > 0, 30_000, 500)).toBe(true);
    const { metrics, invalid_lines } = await client.workspaceMetrics('nb');
    expect([metrics, invalid_lines]).toEqual([[{ name: 'acc', count: 1, last: expect.objectContaining({ value: 0.9, step: 1 }) }], 0]);
  }, 60_000);

  it('stops by itself after idle_timeout without activity, killing the server', async () => {
    const { pid } = (await stack.backends.metadata.workspaces.get('nb'))!;
    const lastUse = Date.now();
    const stopped = await statusOf('nb', 'stopped', 150_000);
    expect(Date.now() - lastUse).toBeGreaterThanOrEqual(55_000);
    expect(stopped.reason).toBe('idle for 1m (idle_timeout)');
    expect(await eventually(() => !isAlive(pid!), 15_000)).toBe(true);
    expect((await refusal(client.openWorkspace('nb'))).status).toBe(409);
  }, 200_000);

  it('starts again with the files the notebook wrote, on a new token', async () => {
    await client.startWorkspace('nb');
    await statusOf('nb', 'running', 120_000);
    const opened = await client.openWorkspace('nb');
    expect(opened.token).not.toBe(token);
    // The server's new token ends every session of the last start.
    expect((await fetch(`${stack.apiUrl}/workspaces/nb/api/contents`, { headers: { cookie: sessionCookie } })).status).toBe(401);
    const notes = await jupyterApi<{ content: string }>(opened.base_url, opened.token, 'GET', '/api/contents/notes.txt');
    expect(notes).toMatchObject({ status: 200, body: { content: 'kept across restarts' } });
    const resumed = await executeCell(opened.base_url, opened.token, 'from kiln_sdk import load_latest_checkpoint\nprint(load_latest_checkpoint())');
    expect(resumed).toMatchObject({ status: 'ok', output: expect.stringContaining("'weights': [1, 2]") });
    base = opened.base_url;
    token = opened.token;
  }, 180_000);

  it("snapshots the workspace's source, edits included, and a run trains on that snapshot", async () => {
    const added = await jupyterApi(base, token, 'PUT', '/api/contents/src/from_notebook.py', { type: 'file', format: 'text', content: 'EDITED = True\n' });
    expect(added.status).toBe(201);
    const { source_snapshot: digest, file_count } = await client.snapshotWorkspace('nb');
    expect(file_count).toBe(2);
    const manifest = JSON.parse(await readText(await stack.backends.artifacts.get(`sources/${digest}/manifest.json`)));
    expect(manifest.files.map((f: { path: string }) => f.path).sort()).toEqual(['from_notebook.py', 'stages.py']);
    const { run_id } = await client.startRun({ project: 'notebooks', source_snapshot: digest });
    const run = await waitForRun(client, run_id, 180_000);
    expect(run.status).toBe('succeeded');
    expect((await stack.backends.metadata.runs.getRun(run_id))?.sourceDigest).toBe(digest);
    const bogus = await refusal(client.startRun({ project: 'notebooks', source_snapshot: 'f'.repeat(64) }));
    expect([bogus.status, bogus.fields.map((f) => f.path)]).toEqual([400, ['source_snapshot']]);
  }, 240_000);

  it('belongs to its creator: another trainer may see it but not open, stop or delete it without workspaces:open', async () => {
    await client.addPrincipal('user', { name: 'tina' });
    await client.addBinding({ principal: 'user:tina', role: 'trainer' });
    const tina = new KilnApiClient(stack.apiUrl!, { token: (await client.createToken({ name: 'laptop', owner: 'user:tina' })).token });
    expect((await tina.getWorkspace('nb')).owner).toBe('user:admin');
    for (const call of [tina.openWorkspace('nb'), tina.stopWorkspace('nb'), tina.deleteWorkspace('nb')]) {
      const error = await refusal(call);
      expect([error.status, error.message]).toEqual([403, 'user tina does not own workspace nb and lacks workspaces:open on it']);
    }
    await client.putRole({ name: 'workspace-helper', permissions: ['workspaces:open'] });
    const binding = await client.addBinding({ principal: 'user:tina', role: 'workspace-helper', scope: { projects: ['notebooks'] } });
    const opened = await tina.openWorkspace('nb');
    expect(opened.token).toBe(token);
    // Through the API too, for as long as she holds the permission: each request checks it.
    const landing = await fetch(`${stack.apiUrl}${opened.proxy_path}`);
    const cookie = (landing.headers.get('set-cookie') ?? '').split(';')[0]!;
    const contents = () => fetch(`${stack.apiUrl}/workspaces/nb/api/contents`, { headers: { cookie } }).then((r) => r.status);
    expect(await contents()).toBe(200);
    await client.deleteBinding(binding.id);
    expect(await eventually(async () => (await contents()) === 403, 10_000, 250)).toBe(true);
  }, 60_000);

  it('delete stops the server and removes the files and the record', async () => {
    const { pid } = (await stack.backends.metadata.workspaces.get('nb'))!;
    await client.deleteWorkspace('nb');
    expect(await eventually(async () => (await client.listWorkspaces()).length === 0, 60_000, 500)).toBe(true);
    expect(isAlive(pid!)).toBe(false);
    expect(existsSync(join(homePaths(config.home).workspaces, 'nb'))).toBe(false);
    expect(await stack.backends.metadata.workspaceMetrics.list('nb')).toEqual([]);
  }, 90_000);
});

/** A GET with its own Host header (fetch cannot set one). */
function statusWithHost(url: string, host: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { host, cookie } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

/** What a websocket upgrade is answered: 101 when it opens, else the refusal's status. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

async function envDigest(): Promise<string> {
  return (await stack.backends.metadata.environments.get('six-py311'))!.specDigest;
}

async function readText(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}
