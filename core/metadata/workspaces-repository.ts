import type { WorkspaceSpec } from '../specs/workspace.js';
import type { ConflictWrites, KilnDb } from './conflict-writes.js';
import type { WorkspacesTable } from './tables.js';

export type WorkspaceStatus = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed' | 'deleting';

export interface NewWorkspace {
  name: string;
  owner: string;
  team: string | null;
  project: string | null;
  environment: string;
  spec: WorkspaceSpec;
}

export interface WorkspaceRecord extends NewWorkspace {
  status: WorkspaceStatus;
  reason: string | null;
  url: string | null;
  /** The running server's token: a secret, returned only to who may open the workspace. */
  token: string | null;
  pid: number | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
}

/** Workspaces and their servers; the workspace workflow writes their state, the API reads it. */
export class WorkspacesRepository {
  constructor(
    private readonly db: KilnDb,
    private readonly writes: ConflictWrites,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a new workspace as `starting`; false when the name is taken. */
  async create(workspace: NewWorkspace): Promise<boolean> {
    const at = this.now();
    const row: WorkspacesTable = {
      name: workspace.name,
      owner: workspace.owner,
      team: workspace.team,
      project: workspace.project,
      environment: workspace.environment,
      spec_json: JSON.stringify(workspace.spec),
      status: 'starting',
      reason: null,
      url: null,
      token: null,
      pid: null,
      created_at: at,
      updated_at: at,
      started_at: null,
    };
    await this.writes.insertIfAbsent(this.db, 'workspaces', row, { key: ['name'] });
    // The row kept is ours only if nobody inserted the name first.
    const stored = await this.get(workspace.name);
    return stored?.createdAt === at && stored.owner === workspace.owner;
  }

  async get(name: string): Promise<WorkspaceRecord | undefined> {
    const row = await this.db.selectFrom('workspaces').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toWorkspace(row);
  }

  async list(): Promise<WorkspaceRecord[]> {
    const rows = await this.db.selectFrom('workspaces').selectAll().orderBy('name').execute();
    return rows.map(toWorkspace);
  }

  /** A new server is starting: its token is written before it launches, so the server and the API agree on it. */
  async markStarting(name: string, token: string): Promise<void> {
    await this.update(name, { status: 'starting', reason: null, token, url: null, pid: null });
  }

  async markRunning(name: string, server: { url: string; pid: number | null }): Promise<void> {
    // A reason the start waited for (a GPU, a node) no longer holds.
    await this.update(name, { status: 'running', reason: null, url: server.url, pid: server.pid, started_at: this.now() });
  }

  /** The server is gone: its address and token stop working with it. */
  async markStopped(name: string, status: 'stopped' | 'failed', reason: string): Promise<void> {
    await this.update(name, { status, reason, url: null, token: null, pid: null });
  }

  async setStatus(name: string, status: WorkspaceStatus, reason: string | null = null): Promise<void> {
    await this.update(name, { status, reason });
  }

  async delete(name: string): Promise<void> {
    await this.db.deleteFrom('workspaces').where('name', '=', name).execute();
  }

  private async update(name: string, values: Partial<WorkspacesTable>): Promise<void> {
    await this.db
      .updateTable('workspaces')
      .set({ ...values, updated_at: this.now() })
      .where('name', '=', name)
      .execute();
  }
}

function toWorkspace(row: WorkspacesTable): WorkspaceRecord {
  return {
    name: row.name,
    owner: row.owner,
    team: row.team,
    project: row.project,
    environment: row.environment,
    spec: JSON.parse(row.spec_json) as WorkspaceSpec,
    status: row.status as WorkspaceStatus,
    reason: row.reason,
    url: row.url,
    token: row.token,
    pid: row.pid === null ? null : Number(row.pid),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    startedAt: row.started_at === null ? null : Number(row.started_at),
  };
}
