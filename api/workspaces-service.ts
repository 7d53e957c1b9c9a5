import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { principalId, type Principal } from '../core/access/principal.js';
import { ConflictError, ForbiddenError, NotFoundError, SpecValidationError } from '../core/errors.js';
import type { MetadataStore } from '../core/metadata/metadata-store.js';
import type { WorkspaceRecord } from '../core/metadata/workspaces-repository.js';
import { WORKFLOW_TYPES, workspaceWorkflowId } from '../core/pipeline/workflow-ids.js';
import { durationMs } from '../core/specs/duration.js';
import { environmentDigest } from '../core/specs/environment-digest.js';
import { parseSpec } from '../core/specs/parse-spec.js';
import { WorkspaceSpec, workspaceLimits, type WorkspaceKind } from '../core/specs/workspace.js';
import { KilnKind, KilnProject, KilnWorkspace } from '../core/temporal/search-attributes.js';
import { workspaceProxyPrefix } from '../core/workspaces/workspace-hosting.js';
import { signWorkspacePass, WORKSPACE_TICKET_PARAM } from '../core/workspaces/workspace-pass.js';
import { deleteWorkspaceSignal, snapshotWorkspaceUpdate, startWorkspaceSignal, stopWorkspaceSignal, type WorkspaceInput } from '../workflows/workspace.js';
import type { ResourceDirectory } from './access/resource-directory.js';
import type { Caller } from './http/route-access.js';
import { type WorkspaceMetricsQuery, type WorkspaceMetricsView, workspaceMetricsView } from './workspace-metrics-view.js';

/** Who asks to operate a workspace: an API caller, or the holder of a proxy session. */
type WorkspaceCaller = Pick<Caller, 'grant'> & { principal: Pick<Principal, 'kind' | 'name'> };

/** A running workspace server as the API's proxy reaches it. */
export interface ProxyTarget {
  name: string;
  kind: WorkspaceKind;
  /** Its URL (JupyterLab's includes its base path). */
  url: string;
  token: string;
}

export interface WorkspaceSettings {
  /** What the platform can host (Platform.workspaces): its server kinds and the most GPUs one workspace can get. */
  hosting: { kinds: readonly WorkspaceKind[]; maxGpus: number };
  /** Seconds between two looks of the workflow at a server (KilnConfig.workspaceCheckSeconds). */
  checkSeconds: number;
}

/** A stack that hosts no workspaces (an API without a platform). */
export const NO_WORKSPACES: WorkspaceSettings = { hosting: { kinds: [], maxGpus: 0 }, checkSeconds: 30 };

export interface WorkspacesServiceDeps extends WorkspaceSettings {
  temporal: Client;
  metadata: MetadataStore;
  taskQueue: string;
  /** Resource lookups for scoped permission checks (AccessService.directory). */
  directory(): ResourceDirectory;
}

/** Workspaces: validated here, owned by their creator, driven by one workspace workflow each. */
export class WorkspacesService {
  constructor(private readonly deps: WorkspacesServiceDeps) {}

  /** `POST /v1/workspaces`: 400 naming the field for a bad spec (nothing created), 409 when the name is taken. */
  async create(body: unknown, caller: Caller) {
    const spec = parseSpec(WorkspaceSpec, body);
    const { metadata } = this.deps;
    const project = spec.project ? await metadata.projects.get(spec.project) : undefined;
    if (spec.project && !project) throw problem('project', `no project named "${spec.project}"`);
    const environmentName = spec.environment ?? project?.spec.environment;
    const environment = environmentName ? await metadata.environments.get(environmentName) : await metadata.environments.getDefault();
    if (!environment) throw problem('environment', environmentName ? `no environment named "${environmentName}"` : 'no default environment: name one');
    if (!this.deps.hosting.kinds.includes(spec.kind)) {
      throw problem('kind', `${spec.kind} workspaces are not available on this platform (available: ${this.deps.hosting.kinds.join(', ') || 'none'})`);
    }
    const limits = workspaceLimits(spec, environment.spec);
    if (limits.gpus > this.deps.hosting.maxGpus) {
      const field = spec.resources.gpus !== undefined ? 'resources.gpus' : 'environment';
      throw problem(field, `${limits.gpus} GPU(s) asked; no node here has more than ${this.deps.hosting.maxGpus}`);
    }
    const created = await metadata.workspaces.create({
      name: spec.name,
      owner: principalId(caller.principal),
      team: caller.principal.team ?? null,
      project: project?.name ?? null,
      environment: environment.name,
      spec,
    });
    if (!created) throw new ConflictError('workspace', `a workspace named "${spec.name}" exists`);
    try {
      await this.startWorkflow(await this.load(spec.name), { stopped: false });
    } catch (error) {
      await metadata.workspaces.delete(spec.name);
      throw error;
    }
    return this.view(await this.load(spec.name));
  }

  /** Every workspace (the route shows a scoped caller only those it covers). */
  async list() {
    return (await this.deps.metadata.workspaces.list()).map((w) => this.view(w));
  }

  async get(name: string) {
    return this.view(await this.load(name));
  }

  /** The server's URL and token (in the URL for JupyterLab, code-server's password): for the owner, or a caller holding `workspaces:open` on it. */
  async open(name: string, caller: Caller) {
    const record = await this.mayOperate(name, caller);
    if (record.status !== 'running' || !record.url || !record.token) {
      throw new ConflictError('workspace', `workspace ${name} is ${record.status}${record.status === 'stopped' ? '; start it first' : ''}`);
    }
    // JupyterLab takes its token in the URL; code-server asks for it as the password on its login page.
    const url = record.spec.kind === 'code-server' ? `${record.url}/login` : `${record.url}/lab?token=${record.token}`;
    // Through the API: a one-time ticket the proxy trades for a session cookie (api/http/workspace-proxy.ts).
    const ticket = signWorkspacePass('ticket', name, caller.principal, record.token);
    const landing = record.spec.kind === 'code-server' ? '' : 'lab';
    const proxyPath = `${workspaceProxyPrefix(name)}${landing}?${WORKSPACE_TICKET_PARAM}=${ticket}`;
    return { name, kind: record.spec.kind, proxy_path: proxyPath, url, base_url: record.url, token: record.token };
  }

  /** The running server the proxy forwards to, with its token (which signs the passes); undefined when none runs. */
  async proxyTarget(name: string): Promise<ProxyTarget | undefined> {
    const record = await this.deps.metadata.workspaces.get(name);
    if (record?.status !== 'running' || !record.url || !record.token) return undefined;
    return { name, kind: record.spec.kind, url: record.url, token: record.token };
  }

  /** The owner, or a caller holding `workspaces:open` on it (ForbiddenError otherwise). */
  async mayOpen(name: string, caller: WorkspaceCaller): Promise<void> {
    await this.mayOperate(name, caller);
  }

  async stop(name: string, caller: Caller) {
    const record = await this.mayOperate(name, caller);
    await this.deps.temporal.workflow.getHandle(workspaceWorkflowId(name)).signal(stopWorkspaceSignal).catch(noWorkflow(name));
    return { ...this.view(record), requested: 'stop' };
  }

  /** Starts a stopped workspace again (same files); a workflow that ended (a failed start) is started anew. */
  async start(name: string, caller: Caller) {
    const record = await this.mayOperate(name, caller);
    await this.startWorkflow(record, { stopped: true }, startWorkspaceSignal);
    return { ...this.view(record), requested: 'start' };
  }

  /** Stores the workspace's source as a snapshot a run can train on (`source_snapshot` in a run request). */
  async snapshot(name: string, caller: Caller) {
    await this.mayOperate(name, caller);
    const handle = this.deps.temporal.workflow.getHandle(workspaceWorkflowId(name));
    const snapshot = await handle.executeUpdate(snapshotWorkspaceUpdate).catch(noWorkflow(name));
    return { name, source_snapshot: snapshot.digest, file_count: snapshot.fileCount };
  }

  /** Stops the server and deletes the files and the record (the workflow does, then ends). */
  async delete(name: string, caller: Caller) {
    const record = await this.mayOperate(name, caller);
    await this.deps.metadata.workspaces.setStatus(name, 'deleting');
    await this.startWorkflow(record, { stopped: true }, deleteWorkspaceSignal);
    return { name, status: 'deleting' };
  }

  private async startWorkflow(record: WorkspaceRecord, from: { stopped: boolean }, signal?: SignalDefinition): Promise<void> {
    const environment = await this.deps.metadata.environments.get(record.environment);
    if (!environment) throw new NotFoundError('environment', record.environment);
    const { spec } = record;
    const input: WorkspaceInput = {
      name: record.name,
      environment: { name: environment.name, digest: environmentDigest(environment.spec), spec: environment.spec },
      idleTimeoutMs: durationMs(spec.idle_timeout),
      ...(spec.max_lifetime ? { maxLifetimeMs: durationMs(spec.max_lifetime) } : {}),
      checkEveryMs: this.deps.checkSeconds * 1000,
      ...(from.stopped ? { stopped: true } : {}),
    };
    const options = {
      workflowId: workspaceWorkflowId(record.name),
      taskQueue: this.deps.taskQueue,
      args: [input] as [WorkspaceInput],
      staticSummary: `Workspace ${record.name} (${spec.kind}${record.project ? `, project ${record.project}` : ''}, environment ${environment.name})`,
      typedSearchAttributes: [
        { key: KilnWorkspace, value: record.name },
        { key: KilnKind, value: 'workspace' },
        ...(record.project ? [{ key: KilnProject, value: record.project }] : []),
      ],
    };
    if (signal) await this.deps.temporal.workflow.signalWithStart(WORKFLOW_TYPES.workspace, { ...options, signal, signalArgs: [] });
    else await this.deps.temporal.workflow.start(WORKFLOW_TYPES.workspace, { ...options, workflowIdConflictPolicy: 'FAIL' });
  }

  private async load(name: string): Promise<WorkspaceRecord> {
    const record = await this.deps.metadata.workspaces.get(name);
    if (!record) throw new NotFoundError('workspace', name);
    return record;
  }

  /** A workspace belongs to its creator; anyone else needs `workspaces:open` on it. */
  private async mayOperate(name: string, caller: WorkspaceCaller): Promise<WorkspaceRecord> {
    const record = await this.load(name);
    if (record.owner === principalId(caller.principal)) return record;
    if (caller.grant.allows('workspaces:open', await this.deps.directory().workspace(name))) return record;
    const who = `${caller.principal.kind} ${caller.principal.name}`;
    throw new ForbiddenError('workspaces:open', `workspace:${name}`, `${who} does not own workspace ${name} and lacks workspaces:open on it`);
  }

  private view(record: WorkspaceRecord) {
    const environment = record.spec;
    return {
      name: record.name,
      owner: record.owner,
      project: record.project,
      environment: record.environment,
      kind: environment.kind,
      status: record.status,
      reason: record.reason,
      idle_timeout: environment.idle_timeout,
      max_lifetime: environment.max_lifetime ?? null,
      resources: environment.resources,
      workflow_id: workspaceWorkflowId(record.name),
      created_at: new Date(record.createdAt).toISOString(),
      started_at: record.startedAt === null ? null : new Date(record.startedAt).toISOString(),
    };
  }

  /** `GET /v1/workspaces/{name}/metrics`: what its notebooks logged with kiln_sdk (stored at each look and on stop). */
  async metrics(name: string, query: WorkspaceMetricsQuery = {}): Promise<WorkspaceMetricsView> {
    await this.load(name);
    const { workspaceMetrics } = this.deps.metadata;
    return workspaceMetricsView(name, await workspaceMetrics.readState(name), await workspaceMetrics.list(name, query.name));
  }
}

/** Its workflow ended (it only ends on deletion, or by a bug): nothing runs that could act; `start` begins a new one. */
function noWorkflow(name: string) {
  return (error: unknown): never => {
    if (error instanceof WorkflowNotFoundError) throw new ConflictError('workspace', `workspace ${name} has no running workflow; start it`);
    throw error;
  };
}

function problem(path: string, message: string): SpecValidationError {
  return new SpecValidationError([{ path, message }]);
}
