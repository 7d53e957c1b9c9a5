import { randomBytes } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { EnvironmentUnavailableError, NotFoundError } from '../core/errors.js';
import type { WorkspaceStatus } from '../core/metadata/workspaces-repository.js';
import { workspaceLimits } from '../core/specs/workspace.js';
import type { WorkspaceProbe } from '../core/workspaces/workspace-hosting.js';
import { snapshotSource } from '../core/snapshots/source-snapshot.js';
import { ingestNotebookMetrics } from '../core/workspaces/ingest-notebook-metrics.js';
import type { ActivityDeps } from './activity-deps.js';
import { kilnLog } from '../core/logging/kiln-log.js';
import { classified } from './failures.js';
import { heartbeating } from './heartbeating.js';

export interface WorkspaceRef {
  name: string;
}

export interface StopWorkspaceInput extends WorkspaceRef {
  /** `stopped` (idle, lifetime, asked) or `failed` (the server died). */
  status: Extract<WorkspaceStatus, 'stopped' | 'failed'>;
  reason: string;
}

/**
 * A workspace's side effects. The server's token is made and kept here (the metadata store):
 * no input or result of these activities carries it, so it never enters workflow history.
 */
export function createWorkspaceActivities({ platform, metadata, artifacts }: ActivityDeps) {
  const load = async (name: string) => {
    const record = await metadata.workspaces.get(name);
    if (!record) throw new NotFoundError('workspace', name);
    return record;
  };
  // Best effort: lines not stored now stay in the file for the next look, and a look or a stop must not fail over them.
  const storeNotebookMetrics = async (name: string) => {
    try {
      const { invalid } = await ingestNotebookMetrics(platform.workspaces, metadata.workspaceMetrics, name);
      if (invalid > 0) kilnLog().warn({ workspace: name, invalid }, 'workspace metrics file: invalid lines skipped');
    } catch (error) {
      kilnLog().warn({ workspace: name, error: String(error) }, 'workspace metrics not stored this time');
    }
  };

  return {
    /** Copies the project's source and dataset in, once; a workspace without a project starts empty. */
    async prepareWorkspace({ name }: WorkspaceRef): Promise<void> {
      await classified(async () => {
        const record = await load(name);
        const project = record.project ? await metadata.projects.get(record.project) : undefined;
        const dataset = project ? await metadata.datasets.get(project.spec.dataset) : undefined;
        const datasetFile = dataset && !dataset.spec.path.startsWith('s3://') ? dataset.spec.path : undefined;
        await platform.workspaces.prepare(name, {
          ...(project ? { sourceDir: project.spec.source_dir } : {}),
          ...(datasetFile ? { datasetFile } : {}),
        });
      });
    },

    /** Starts the server with a new token and records where it answers. Returns its address only. */
    async startWorkspaceServer({ name, digest }: WorkspaceRef & { digest: string }): Promise<{ url: string }> {
      const signal = Context.current().cancellationSignal;
      return classified(() =>
        heartbeating(async () => {
          const record = await load(name);
          const environment = await metadata.environments.get(record.environment);
          const build = await metadata.environments.getBuild(digest);
          if (!environment || build?.status !== 'ready' || !build.venvPath || !build.pythonExecutable) {
            throw new EnvironmentUnavailableError('environment', `environment ${record.environment} is not built`);
          }
          // A retried start replaces a server a lost attempt may have left.
          await platform.workspaces.stop(name, record.pid === null ? null : { url: record.url ?? '', pid: record.pid });
          const token = randomBytes(24).toString('hex');
          await metadata.workspaces.markStarting(name, token);
          const server = await platform.workspaces.start(
            {
              name,
              kind: record.spec.kind,
              token,
              environment: { location: build.venvPath, pythonExecutable: build.pythonExecutable },
              limits: workspaceLimits(record.spec, environment.spec),
            },
            {
              signal,
              // Shown by `kiln workspace list` and GET /v1/workspaces while it waits (a GPU, a node, an image).
              onPending: (reason) =>
                void metadata.workspaces
                  .setStatus(name, 'starting', reason)
                  .catch((error: unknown) => kilnLog().warn({ workspace: name, error: String(error) }, 'workspace pending reason not recorded')),
            },
          );
          await metadata.workspaces.markRunning(name, server);
          return { url: server.url };
        }),
      );
    },

    /** Whether the server answers and when it last saw a user; stores what notebooks logged since the last look. */
    async probeWorkspace({ name }: WorkspaceRef): Promise<WorkspaceProbe> {
      const record = await load(name);
      await storeNotebookMetrics(name);
      if (!record.url || !record.token) return { alive: false, lastActivityMs: null };
      return platform.workspaces.probe(name, { url: record.url, pid: record.pid, token: record.token, kind: record.spec.kind });
    },

    /** Stops the server (files stay) and forgets its address and token. */
    async stopWorkspaceServer({ name, status, reason }: StopWorkspaceInput): Promise<void> {
      await classified(async () => {
        const record = await metadata.workspaces.get(name);
        if (!record) return;
        await platform.workspaces.stop(name, record.pid === null ? null : { url: record.url ?? '', pid: record.pid });
        // After the stop: the server's last lines are written (and, on a cluster, synced to the store).
        await storeNotebookMetrics(name);
        await metadata.workspaces.markStopped(name, status, reason);
      });
    },

    /** Stores the workspace's `src/` as a source snapshot (content-addressed: an unchanged source is stored once). */
    async snapshotWorkspaceSource({ name }: WorkspaceRef): Promise<{ digest: string; fileCount: number }> {
      return classified(() =>
        heartbeating(async () => {
          const snapshot = await platform.workspaces.withSourceDir(name, (dir) => snapshotSource(artifacts, dir));
          return { digest: snapshot.digest, fileCount: snapshot.fileCount };
        }),
      );
    },

    /** Deletes the files, the notebook metrics and the record (the server is already stopped). */
    async removeWorkspace({ name }: WorkspaceRef): Promise<void> {
      await classified(async () => {
        await platform.workspaces.remove(name);
        await metadata.workspaceMetrics.delete(name);
        await metadata.workspaces.delete(name);
      });
    },
  };
}
