import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { homePaths } from '../../config.js';
import { BackendUnavailableError } from '../../errors.js';
import { freePort } from '../../net/free-port.js';
import { recordServerOwner, stopOwnedModelServer } from '../../serving/local-model-server.js';
import { probeJupyter } from '../jupyter-status.js';
import { writeWorkspaceKernelSpec } from '../kernel-spec.js';
import type { WorkspaceContent, WorkspaceHosting, WorkspaceLaunch, WorkspaceProbe, WorkspaceServer, WorkspaceStartOptions } from '../workspace-hosting.js';
import { ensureJupyterOverlay, type JupyterOverlayOptions } from './jupyter-overlay.js';

export interface LocalWorkspaceHostOptions {
  home: string;
  /** Put on PYTHONPATH: kiln_sdk (its workspace launcher, metrics and checkpoints). */
  sdkDir: string;
  overlay: JupyterOverlayOptions;
  /** How long a starting server may take to answer. Default 120 s. */
  startTimeoutMs?: number;
}

/**
 * Workspaces on this machine: JupyterLab in the environment's interpreter, bound to loopback
 * with its own token, as a process group that outlives the worker; files under the data
 * directory (`workspaces/<name>/files`), which stop and start keep.
 */
export class LocalWorkspaceHost implements WorkspaceHosting {
  readonly kinds = ['jupyterlab'] as const;
  readonly maxGpus = 0;

  constructor(private readonly options: LocalWorkspaceHostOptions) {}

  private dir(name: string): string {
    return join(homePaths(this.options.home).workspaces, name);
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
    const dir = this.dir(launch.name);
    const jupyter = join(dir, 'jupyter');
    const python = launch.environment.pythonExecutable;
    const overlay = await ensureJupyterOverlay(this.options.overlay, python, signal);
    await writeWorkspaceKernelSpec(join(jupyter, 'data'), python);
    const port = await freePort();
    const logFile = join(dir, 'server.log');
    await mkdir(dirname(logFile), { recursive: true });
    const log = openSync(logFile, 'a');
    const args = [
      '-m',
      'kiln_sdk.workspace',
      'lab',
      '--no-browser',
      '--ip=127.0.0.1',
      `--port=${port}`,
      '--ServerApp.port_retries=0',
      `--ServerApp.root_dir=${join(dir, 'files')}`,
      // Root in containers and CI; harmless otherwise (the token still guards it).
      '--ServerApp.allow_root=True',
      `--LabApp.app_dir=${join(overlay, 'share', 'jupyter', 'lab')}`,
    ];
    const child = spawn(python, args, {
      cwd: join(dir, 'files'),
      env: {
        PATH: `${dirname(python)}:/usr/local/bin:/usr/bin:/bin`,
        HOME: dir,
        PYTHONPATH: this.options.sdkDir,
        KILN_WORKSPACE: launch.name,
        // kiln_sdk.save_checkpoint / load_latest_checkpoint work in a notebook as in a stage, kept with the files.
        KILN_CHECKPOINT_DIR: join(dir, 'files', 'checkpoints'),
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
      },
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new BackendUnavailableError('workspace', `could not start ${python}`);
    recordServerOwner(dir, pid);
    const server = { url: `http://127.0.0.1:${port}`, pid };
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 120_000);
    while (Date.now() < deadline && child.exitCode === null && !signal?.aborted) {
      if ((await probeJupyter(server.url, launch.token, 1_000)).alive) return server;
      await new Promise((r) => setTimeout(r, 250));
    }
    stopOwnedModelServer(dir, pid);
    throw new BackendUnavailableError('workspace', `JupyterLab did not answer on ${server.url}; see ${logFile}`);
  }

  async probe(_name: string, server: WorkspaceServer & { token: string }): Promise<WorkspaceProbe> {
    if (server.pid !== null && !isAlive(server.pid)) return { alive: false, lastActivityMs: null };
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

  async remove(name: string): Promise<void> {
    await rm(this.dir(name), { recursive: true, force: true });
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
