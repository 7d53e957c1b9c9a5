import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { homePaths } from '../../config.js';
import { BackendUnavailableError, EnvironmentUnavailableError } from '../../errors.js';
import { freePort } from '../../net/free-port.js';
import { recordedServerPid, recordServerOwner, stopOwnedModelServer } from '../../serving/local-model-server.js';
import { probeJupyter } from '../jupyter-status.js';
import { WORKSPACE_METRICS_PATH } from '../notebook-metrics.js';
import { type MetricsFileChunk, readFileChunk } from '../metrics-file-chunk.js';
import type { WorkspaceKind } from '../../specs/workspace.js';
import { writeWorkspaceKernelSpec } from '../kernel-spec.js';
import {
  jupyterBasePath,
  workspaceProxyPrefix,
  type WorkspaceContent,
  type WorkspaceHosting,
  type WorkspaceLaunch,
  type WorkspaceProbe,
  type WorkspaceServer,
  type WorkspaceStartOptions,
} from '../workspace-hosting.js';
import { codeServerCommand, codeServerPaths, probeCodeServer } from './code-server.js';
import { ensureJupyterOverlay, type JupyterOverlayOptions } from './jupyter-overlay.js';

export interface LocalWorkspaceHostOptions {
  home: string;
  /** Put on PYTHONPATH: kiln_sdk (its workspace launcher, metrics and checkpoints). */
  sdkDir: string;
  overlay: JupyterOverlayOptions;
  /** The installed code-server (scripts/ensure-tools.sh code-server); without it only JupyterLab is offered. */
  codeServer?: string;
  /** How long a starting server may take to answer. Default 120 s. */
  startTimeoutMs?: number;
}

/**
 * Workspaces on this machine: JupyterLab in the environment's interpreter, or code-server with
 * the environment's venv on PATH, bound to loopback with its own token, as a process group that
 * outlives the worker; files under the data directory (`workspaces/<name>/files`), which stop
 * and start keep.
 */
export class LocalWorkspaceHost implements WorkspaceHosting {
  readonly kinds: readonly WorkspaceKind[];
  readonly maxGpus = 0;

  constructor(private readonly options: LocalWorkspaceHostOptions) {
    this.kinds = options.codeServer ? ['jupyterlab', 'code-server'] : ['jupyterlab'];
  }

  private dir(name: string): string {
    return join(homePaths(this.options.home).workspaces, name);
  }

  /** Where kiln_sdk appends a workspace's metric lines (KILN_WORKSPACE_METRICS_FILE) and its looks read them. */
  private metricsFile(name: string): string {
    return join(this.dir(name), 'files', WORKSPACE_METRICS_PATH);
  }

  withSourceDir<T>(name: string, use: (dir: string) => Promise<T>): Promise<T> {
    return use(join(this.dir(name), 'files', 'src'));
  }

  async prepare(name: string, content: WorkspaceContent): Promise<void> {
    const files = join(this.dir(name), 'files');
    // The marker is written last: a copy cut short is redone, a finished one never overwritten.
    const marker = join(this.dir(name), '.prepared');
    if (existsSync(marker)) return;
    await mkdir(files, { recursive: true });
    if (content.sourceDir) await cp(content.sourceDir, join(files, 'src'), { recursive: true, force: true });
    if (content.datasetFile) {
      await mkdir(join(files, 'data'), { recursive: true });
      await cp(content.datasetFile, join(files, 'data', basename(content.datasetFile)), { force: true });
    }
    await writeFile(marker, '');
  }

  async start(launch: WorkspaceLaunch, { signal }: WorkspaceStartOptions = {}): Promise<WorkspaceServer> {
    return launch.kind === 'code-server' ? this.startCodeServer(launch, signal) : this.startJupyter(launch, signal);
  }

  private async startJupyter(launch: WorkspaceLaunch, signal?: AbortSignal): Promise<WorkspaceServer> {
    const dir = this.dir(launch.name);
    const jupyter = join(dir, 'jupyter');
    const python = launch.environment.pythonExecutable;
    const overlay = await ensureJupyterOverlay(this.options.overlay, python, signal);
    await writeWorkspaceKernelSpec(join(jupyter, 'data'), python);
    const port = await freePort();
    const args = [
      '-m',
      'kiln_sdk.workspace',
      'lab',
      '--no-browser',
      '--ip=127.0.0.1',
      `--port=${port}`,
      '--ServerApp.port_retries=0',
      `--ServerApp.root_dir=${join(dir, 'files')}`,
      // The path the API's proxy serves it under; its loopback URL carries the same path.
      `--ServerApp.base_url=${workspaceProxyPrefix(launch.name)}`,
      // Root in containers and CI; harmless otherwise (the token still guards it).
      '--ServerApp.allow_root=True',
      `--LabApp.app_dir=${join(overlay, 'share', 'jupyter', 'lab')}`,
    ];
    const env = {
      ...this.commonEnv(launch.name),
      PATH: `${dirname(python)}:/usr/local/bin:/usr/bin:/bin`,
      KILN_WORKSPACE_OVERLAY: overlay,
      // The token travels in the environment, not argv, where `ps` would show it.
      JUPYTER_TOKEN: launch.token,
      JUPYTER_CONFIG_DIR: join(jupyter, 'config'),
      JUPYTER_DATA_DIR: join(jupyter, 'data'),
      JUPYTER_RUNTIME_DIR: join(jupyter, 'runtime'),
      // Our kernel spec first: the overlay's own `python3` spec runs ipykernel without the overlay on sys.path.
      JUPYTER_PATH: `${join(jupyter, 'data')}:${join(overlay, 'share', 'jupyter')}`,
      JUPYTER_CONFIG_PATH: join(overlay, 'etc', 'jupyter'),
      IPYTHONDIR: join(jupyter, 'ipython'),
    };
    const basePath = jupyterBasePath(launch.name);
    return this.spawnServer(dir, { what: 'JupyterLab', command: python, args, env, port, basePath }, (url) => probeJupyter(url, launch.token, 1_000), signal);
  }

  /** code-server opens the workspace's files; its settings, extensions and heartbeat stay in the workspace. */
  private async startCodeServer(launch: WorkspaceLaunch, signal?: AbortSignal): Promise<WorkspaceServer> {
    const binary = this.options.codeServer;
    if (!binary) throw new EnvironmentUnavailableError('kind', 'code-server is not installed here; run `make code-server-tools`');
    const dir = this.dir(launch.name);
    const paths = codeServerPaths(dir);
    await mkdir(paths.userData, { recursive: true });
    const port = await freePort();
    const { args, env } = codeServerCommand({
      workspaceDir: dir,
      filesDir: join(dir, 'files'),
      port,
      token: launch.token,
      venv: launch.environment.location,
      pythonExecutable: launch.environment.pythonExecutable,
      common: this.commonEnv(launch.name),
    });
    return this.spawnServer(dir, { what: 'code-server', command: binary, args, env, port }, (url) => probeCodeServer(url, paths.heartbeat, 1_000), signal);
  }

  /** What every workspace server gets: kiln_sdk importable, checkpoints kept with the files. */
  private commonEnv(name: string): Record<string, string> {
    const dir = this.dir(name);
    return {
      HOME: dir,
      PYTHONPATH: this.options.sdkDir,
      KILN_WORKSPACE: name,
      // kiln_sdk.save_checkpoint / load_latest_checkpoint work in a notebook as in a stage, kept with the files.
      KILN_CHECKPOINT_DIR: join(dir, 'files', 'checkpoints'),
      // kiln_sdk.log_metric also appends here; the workspace's looks store what it holds (code-server's terminals included).
      KILN_WORKSPACE_METRICS_FILE: this.metricsFile(name),
    };
  }

  /** Starts a server as its own process group (logged to `server.log`) and waits until `ready` says it answers. */
  private async spawnServer(
    dir: string,
    server: { what: string; command: string; args: string[]; env: Record<string, string>; port: number; basePath?: string },
    ready: (url: string) => Promise<WorkspaceProbe>,
    signal?: AbortSignal,
  ): Promise<WorkspaceServer> {
    const logFile = join(dir, 'server.log');
    await mkdir(dirname(logFile), { recursive: true });
    const log = openSync(logFile, 'a');
    const child = spawn(server.command, server.args, { cwd: join(dir, 'files'), env: server.env, detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new BackendUnavailableError('workspace', `could not start ${server.command}`);
    recordServerOwner(dir, pid);
    const url = `http://127.0.0.1:${server.port}${server.basePath ?? ''}`;
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 120_000);
    while (Date.now() < deadline && child.exitCode === null && !signal?.aborted) {
      if ((await ready(url)).alive) return { url, pid };
      await new Promise((r) => setTimeout(r, 250));
    }
    stopOwnedModelServer(dir, pid);
    throw new BackendUnavailableError('workspace', `${server.what} did not answer on ${url}; see ${logFile}`);
  }

  async probe(name: string, server: WorkspaceServer & { token: string; kind: WorkspaceKind }): Promise<WorkspaceProbe> {
    if (server.pid !== null && !isAlive(server.pid)) return { alive: false, lastActivityMs: null };
    if (server.kind === 'code-server') return probeCodeServer(server.url, codeServerPaths(this.dir(name)).heartbeat);
    return probeJupyter(server.url, server.token);
  }

  async stop(name: string, server: WorkspaceServer | null): Promise<void> {
    if (server?.pid == null) return;
    const { pid } = server;
    if (!stopOwnedModelServer(this.dir(name), pid)) return;
    // JupyterLab shuts its kernels down on SIGTERM; a server that hangs is killed with them.
    for (let waited = 0; waited < 10_000 && isAlive(pid); waited += 100) await new Promise((r) => setTimeout(r, 100));
    try {
      if (isAlive(pid)) process.kill(-pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }

  /** Stops every server this data directory's stack started: they stop with `kiln up` (their looks then see them gone). */
  async stopAll(): Promise<void> {
    const root = homePaths(this.options.home).workspaces;
    const names = await readdir(root).catch(() => [] as string[]);
    await Promise.all(
      names.map(async (name) => {
        const pid = recordedServerPid(this.dir(name));
        if (pid !== undefined && isAlive(pid)) await this.stop(name, { url: '', pid });
      }),
    );
  }

  async remove(name: string): Promise<void> {
    await rm(this.dir(name), { recursive: true, force: true });
  }

  readMetricsFile(name: string, offset: number, maxBytes: number): Promise<MetricsFileChunk | null> {
    return readFileChunk(this.metricsFile(name), offset, maxBytes);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
