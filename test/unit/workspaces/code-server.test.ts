import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { codeServerCommand, codeServerPaths, probeCodeServer } from '../../../core/workspaces/local/code-server.js';
import { LocalWorkspaceHost } from '../../../core/workspaces/local/local-workspace-host.js';

const launch = {
  workspaceDir: '/data/workspaces/ide',
  filesDir: '/data/workspaces/ide/files',
  port: 41234,
  token: 'f00d'.repeat(12),
  venv: '/data/environments/abc/venv',
  pythonExecutable: '/data/environments/abc/venv/bin/python',
  common: { HOME: '/data/workspaces/ide', KILN_WORKSPACE: 'ide' },
};

describe('codeServerCommand', () => {
  const { args, env } = codeServerCommand(launch);

  it('binds loopback on the given port with password auth, opening the files, state inside the workspace', () => {
    expect(args).toContain('--bind-addr=127.0.0.1:41234');
    expect(args).toContain('--auth=password');
    expect(args).toContain('--user-data-dir=/data/workspaces/ide/code-server/user-data');
    expect(args).toContain('--extensions-dir=/data/workspaces/ide/code-server/extensions');
    expect(args.at(-1)).toBe('/data/workspaces/ide/files');
  });

  it('keeps the token out of argv; its SHA-256 is the password hash in the environment', () => {
    expect(args.join(' ')).not.toContain(launch.token);
    expect(env.HASHED_PASSWORD).toBe(createHash('sha256').update(launch.token).digest('hex'));
    expect(Object.values(env)).not.toContain(launch.token);
  });

  it("puts the environment's venv first on PATH, activated, and its heartbeat inside the workspace", () => {
    expect(env.PATH.split(':')[0]).toBe('/data/environments/abc/venv/bin');
    expect(env.VIRTUAL_ENV).toBe(launch.venv);
    expect(env.KILN_WORKSPACE).toBe('ide');
    expect(join(env.XDG_DATA_HOME, 'code-server', 'heartbeat')).toBe(codeServerPaths(launch.workspaceDir).heartbeat);
  });
});

describe('probeCodeServer', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  async function healthz(status: number, body: unknown): Promise<string> {
    server = createServer((request, response) => {
      response.writeHead(request.url === '/healthz' ? status : 404, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    });
    await new Promise<void>((ready) => server!.listen(0, '127.0.0.1', ready));
    const address = server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  it("alive per /healthz; last activity is the heartbeat file's mtime", async () => {
    const url = await healthz(200, { status: 'expired', lastHeartbeat: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'kiln-cs-probe-'));
    const heartbeat = join(dir, 'code-server', 'heartbeat');
    mkdirSync(join(dir, 'code-server'));
    writeFileSync(heartbeat, '');
    const beat = new Date('2026-01-02T03:04:05Z');
    utimesSync(heartbeat, beat, beat);
    expect(await probeCodeServer(url, heartbeat)).toEqual({ alive: true, lastActivityMs: beat.getTime() });
  });

  it('a beat within the minute (/healthz says alive): in use now, whatever the file says', async () => {
    const url = await healthz(200, { status: 'alive', lastHeartbeat: Date.now() - 30_000 });
    const before = Date.now();
    const probe = await probeCodeServer(url, '/nonexistent/heartbeat');
    expect(probe.alive).toBe(true);
    expect(probe.lastActivityMs).toBeGreaterThanOrEqual(before);
  });

  it('leaves no connection open: code-server would count a kept-alive probe as a connected user', async () => {
    const url = await healthz(200, { status: 'expired', lastHeartbeat: 0 });
    await probeCodeServer(url, '/nonexistent/heartbeat');
    const open = () => new Promise<number>((resolve, reject) => server!.getConnections((error, count) => (error ? reject(error) : resolve(count))));
    const deadline = Date.now() + 1_000;
    while ((await open()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await open()).toBe(0);
  });

  it('no heartbeat file yet (nobody connected): alive, activity unknown', async () => {
    const url = await healthz(200, { status: 'expired', lastHeartbeat: 0 });
    expect(await probeCodeServer(url, join(tmpdir(), 'kiln-no-such-dir', 'heartbeat'))).toEqual({ alive: true, lastActivityMs: null });
  });

  it.each([
    ['an error status', 503, { status: 'alive', lastHeartbeat: 1 }],
    ['an answer that is not code-server health', 200, { hello: 'world' }],
  ])('%s: not alive', async (_what, status, body) => {
    const url = await healthz(status, body);
    expect(await probeCodeServer(url, '/nonexistent/heartbeat')).toEqual({ alive: false, lastActivityMs: null });
  });
});

describe('LocalWorkspaceHost kinds', () => {
  const overlay = { toolsDir: '/nonexistent', version: '4.6.6', uvPath: '/nonexistent/uv' };

  it('offers code-server only where it is installed', () => {
    expect(new LocalWorkspaceHost({ home: '/nonexistent', sdkDir: '/nonexistent', overlay }).kinds).toEqual(['jupyterlab']);
    expect(new LocalWorkspaceHost({ home: '/nonexistent', sdkDir: '/nonexistent', overlay, codeServer: '/opt/code-server' }).kinds).toEqual([
      'jupyterlab',
      'code-server',
    ]);
  });

  it('refuses to start code-server where it is not installed, naming kind', async () => {
    const host = new LocalWorkspaceHost({ home: mkdtempSync(join(tmpdir(), 'kiln-cs-home-')), sdkDir: '/nonexistent', overlay });
    const launched = host.start({
      name: 'ide',
      kind: 'code-server',
      token: 't',
      environment: { location: '/nonexistent', pythonExecutable: '/nonexistent/bin/python' },
      limits: { cpu: null, memory: null, gpus: 0 },
    });
    await expect(launched).rejects.toMatchObject({ field: 'kind' });
  });
});
