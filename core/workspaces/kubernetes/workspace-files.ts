import { cp, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { walkFiles } from '../../artifacts/walk-files.js';
import { parseSpecJson } from '../../specs/parse-spec.js';
import { writeWorkspaceKernelSpec } from '../kernel-spec.js';

/*
 * The container side of a workspace pod, run by `kiln workspace-io fetch` (init container) and
 * `kiln workspace-io sync` (native sidecar) with the plan in KILN_WORKSPACE_IO. The artifact
 * store holds the workspace's files while no pod does: they survive stop, start and node loss.
 */

/** The pod's shared volume (an emptyDir). */
export const WORKSPACE_POD_ROOT = '/kiln/workspace';

/** Where a workspace pod keeps what, under its volume's root. */
export function workspacePodLayout(root: string) {
  return {
    /** The user's files: JupyterLab's root directory, kept in the artifact store. */
    files: join(root, 'files'),
    /** Jupyter's config, data (the kernel spec) and runtime directories: made anew each start. */
    jupyter: join(root, 'jupyter'),
    sdk: join(root, 'sdk'),
    /** JupyterLab installed beside the environment (`pip install --target`), as on the local platform. */
    overlay: join(root, 'overlay'),
    /** code-server's standalone release (its own Node), copied from KILN_K8S_CODE_SERVER_IMAGE. */
    codeServer: join(root, 'code-server-release'),
    home: join(root, 'home'),
  };
}

export const WorkspaceIoPlan = z
  .object({
    /** Artifact-store prefix of the workspace's files (`workspaces/<name>/files`). */
    filesPrefix: z.string().min(1),
    /** Seconds between two syncs while the server runs; the last one runs when the pod stops. */
    syncSeconds: z.number().int().min(1).default(15),
  })
  .strict();
export type WorkspaceIoPlan = z.output<typeof WorkspaceIoPlan>;

export function parseWorkspaceIoPlan(json: string | undefined): WorkspaceIoPlan {
  return parseSpecJson(WorkspaceIoPlan, json, 'KILN_WORKSPACE_IO');
}

/** Init container: the workspace's files from the store, the SDK, and the kernel spec. */
export async function fetchWorkspaceFiles(artifacts: ArtifactStore, plan: WorkspaceIoPlan, root: string, sdkDir: string): Promise<void> {
  const layout = workspacePodLayout(root);
  await mkdir(layout.files, { recursive: true });
  await mkdir(layout.home, { recursive: true });
  await artifacts.getDirectory(plan.filesPrefix, layout.files);
  await cp(sdkDir, layout.sdk, { recursive: true });
  // `python` on the image's PATH: the environment's interpreter, as stages run it.
  await writeWorkspaceKernelSpec(join(layout.jupyter, 'data'), 'python');
}

/**
 * Mirrors a directory into the store: each pass uploads the files whose size or mtime changed
 * since the last pass and deletes the objects of files that are gone, so a file deleted in the
 * notebook does not come back at the next start.
 */
export class WorkspaceFileMirror {
  private known = new Map<string, string>();

  constructor(
    private readonly artifacts: ArtifactStore,
    private readonly prefix: string,
    private readonly dir: string,
  ) {}

  /** Takes the directory as it is (just fetched from the store) as already stored. */
  async assumeStored(): Promise<void> {
    this.known = await this.scan();
  }

  /** One pass; returns how many objects it uploaded or deleted. */
  async sync(): Promise<number> {
    const now = await this.scan();
    let changed = 0;
    for (const [path, version] of now) {
      if (this.known.get(path) === version) continue;
      // A file deleted or replaced mid-pass is picked up by the next one.
      const stored = await this.artifacts.putFile(`${this.prefix}/${path}`, join(this.dir, path)).catch(() => undefined);
      if (stored) {
        this.known.set(path, version);
        changed += 1;
      }
    }
    for (const path of [...this.known.keys()]) {
      if (now.has(path)) continue;
      await this.artifacts.delete(`${this.prefix}/${path}`);
      this.known.delete(path);
      changed += 1;
    }
    return changed;
  }

  private async scan(): Promise<Map<string, string>> {
    const versions = new Map<string, string>();
    for (const path of await walkFiles(this.dir)) {
      const info = await stat(join(this.dir, path)).catch(() => undefined);
      if (info) versions.set(path, `${info.size}:${info.mtimeMs}`);
    }
    return versions;
  }
}

/**
 * Sidecar: syncs the files every `plan.syncSeconds` until `signal` (SIGTERM: the kubelet stops
 * a native sidecar only after JupyterLab has exited), then once more, so a stop loses nothing.
 */
export async function syncWorkspaceFiles(artifacts: ArtifactStore, plan: WorkspaceIoPlan, root: string, signal: AbortSignal): Promise<void> {
  const mirror = new WorkspaceFileMirror(artifacts, plan.filesPrefix, workspacePodLayout(root).files);
  await mirror.assumeStored();
  for (;;) {
    // Rejects when aborted: then only the last sync is left.
    await sleep(plan.syncSeconds * 1000, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) break;
    // A store briefly unreachable: the next pass (or the last) uploads what this one could not.
    await mirror.sync().catch((error: unknown) => process.stderr.write(`kiln: syncing workspace files failed: ${String(error)}\n`));
  }
  await mirror.sync();
}
