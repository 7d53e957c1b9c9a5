import type { WorkspaceKind, WorkspaceLimits } from '../specs/workspace.js';
import type { MetricsFileChunk } from './metrics-file-chunk.js';

/** What a workspace starts from, copied in once when it is created. */
export interface WorkspaceContent {
  /** The project's source directory (absolute), copied to `src/`. */
  sourceDir?: string;
  /** The project's dataset file (absolute), copied to `data/<file name>`. */
  datasetFile?: string;
}

export interface WorkspaceLaunch {
  name: string;
  kind: WorkspaceKind;
  /** The server's access token (read from the metadata store by the activity, never from history). */
  token: string;
  /** The built environment: its venv directory, or its image, and its interpreter. */
  environment: { location: string; pythonExecutable: string };
  limits: WorkspaceLimits;
}

export interface WorkspaceStartOptions {
  /** Aborting stops waiting for the server (the activity was cancelled). */
  signal?: AbortSignal;
  /** Why the server is not up yet (waiting for a GPU, an image that cannot be pulled), each time that changes. */
  onPending?(reason: string): void;
}

export interface WorkspaceServer {
  /** Where the server answers (with the token). */
  url: string;
  /** Its process group here; null where the platform runs it elsewhere (a Pod). */
  pid: number | null;
}

export interface WorkspaceProbe {
  /** The server answers its status API. */
  alive: boolean;
  /** When it last saw a user (requests, kernel activity), epoch ms; null when it cannot tell. */
  lastActivityMs: number | null;
  /** Why it is not up yet (Pending: unschedulable, pulling), when the platform can tell. */
  pending?: string;
}

/**
 * Where workspaces' servers run and their files live: this machine (local/) or a cluster.
 * Every call is idempotent: activities retry them.
 */
export interface WorkspaceHosting {
  /** The server kinds this platform can run. */
  readonly kinds: readonly WorkspaceKind[];
  /** The most GPUs one workspace can get here (0: none). */
  readonly maxGpus: number;
  /** Creates the workspace's files from `content` the first time; later calls keep what is there. */
  prepare(name: string, content: WorkspaceContent): Promise<void>;
  /** Starts the server and returns once it answers. */
  start(launch: WorkspaceLaunch, options?: WorkspaceStartOptions): Promise<WorkspaceServer>;
  /** How the server is looked at depends on its kind (JupyterLab's status API, code-server's heartbeat). */
  probe(name: string, server: WorkspaceServer & { token: string; kind: WorkspaceKind }): Promise<WorkspaceProbe>;
  /** Stops the server; its files stay. One already gone is fine. */
  stop(name: string, server: WorkspaceServer | null): Promise<void>;
  /** When the stack stops: local servers stop with it (their next look finds them gone); a cluster's pods keep running. */
  stopAll(): Promise<void>;
  /** Deletes the workspace's files (its server already stopped). */
  remove(name: string): Promise<void>;
  /**
   * Calls `use` with a directory holding the workspace's `src/` as last saved, for `kiln
   * workspace snapshot`: its own files here, a copy fetched from the artifact store on a cluster.
   */
  withSourceDir<T>(name: string, use: (dir: string) => Promise<T>): Promise<T>;
  /**
   * Reads at most `maxBytes` of the workspace's metrics file (WORKSPACE_METRICS_PATH in its
   * files) from `offset`; null while it has none. On a cluster, the copy last synced to the store.
   */
  readMetricsFile(name: string, offset: number, maxBytes: number): Promise<MetricsFileChunk | null>;
}

/**
 * Where the API's proxy serves a workspace. JupyterLab runs with it as its `base_url` (its pages
 * link absolute paths), so the proxy forwards paths as they are; code-server's pages use relative
 * paths and it serves from `/`, so the proxy strips the prefix.
 */
export function workspaceProxyPrefix(name: string): string {
  return `/workspaces/${name}/`;
}

/** JupyterLab's base path as its URLs carry it: the proxy's prefix without its trailing slash. */
export function jupyterBasePath(name: string): string {
  return workspaceProxyPrefix(name).slice(0, -1);
}
