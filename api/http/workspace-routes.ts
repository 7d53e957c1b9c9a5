import { z } from 'zod';
import { ResourceName } from '../../core/specs/index.js';
import { WorkspaceSpec } from '../../core/specs/workspace.js';
import { WorkspaceMetricsQuery } from '../workspace-metrics-view.js';
import type { WorkspacesService } from '../workspaces-service.js';
import { can, workspaceIn, workspaceOfBody } from './route-finders.js';
import { route, type Route } from './route.js';

const WorkspaceParams = z.object({ name: ResourceName }).strict();
type WorkspaceView = { name: string };

/**
 * Workspaces (issue 17). Creating one needs `workspaces:write`; its creator then opens, stops,
 * starts and deletes it with that permission, anyone else needs `workspaces:open` on it (the
 * service checks ownership). Reads never show the server's token: only `open` does.
 */
export function workspaceRoutes(workspaces: WorkspacesService): Route[] {
  const operate = (permission: 'workspaces:write') => can(permission, workspaceIn);
  return [
    route({
      method: 'POST',
      path: '/v1/workspaces',
      summary: "Create a workspace (JupyterLab in a project's environment with its source and dataset) and start it",
      access: can('workspaces:write', workspaceOfBody),
      serviceBody: WorkspaceSpec,
      status: 201,
      handle: ({ body, caller }) => workspaces.create(body, caller),
    }),
    route({
      method: 'GET',
      path: '/v1/workspaces',
      summary: 'List workspaces with their state (only those the caller may read)',
      access: can('workspaces:read', undefined, { visible: (w: WorkspaceView, d) => d.workspace(w.name) }),
      handle: () => workspaces.list(),
    }),
    route({
      method: 'GET',
      path: '/v1/workspaces/{name}',
      params: WorkspaceParams,
      summary: "A workspace's state, owner and why it last stopped (no token)",
      access: can('workspaces:read', workspaceIn),
      handle: ({ params }) => workspaces.get(params.name!),
    }),
    route({
      method: 'GET',
      path: '/v1/workspaces/{name}/open',
      params: WorkspaceParams,
      summary: "The running server's URL with its token (the owner, or workspaces:open); 409 unless running",
      access: operate('workspaces:write'),
      handle: ({ params, caller }) => workspaces.open(params.name!, caller),
    }),
    route({
      method: 'POST',
      path: '/v1/workspaces/{name}/stop',
      params: WorkspaceParams,
      summary: 'Stop the server; the files stay',
      access: operate('workspaces:write'),
      status: 202,
      handle: ({ params, caller }) => workspaces.stop(params.name!, caller),
    }),
    route({
      method: 'POST',
      path: '/v1/workspaces/{name}/start',
      params: WorkspaceParams,
      summary: 'Start a stopped workspace again, with its files as they were',
      access: operate('workspaces:write'),
      status: 202,
      handle: ({ params, caller }) => workspaces.start(params.name!, caller),
    }),
    route({
      method: 'POST',
      path: '/v1/workspaces/{name}/snapshot',
      params: WorkspaceParams,
      summary: "Store the workspace's src/ as a project source snapshot; a run trains on it with `source_snapshot`",
      access: operate('workspaces:write'),
      status: 201,
      handle: ({ params, caller }) => workspaces.snapshot(params.name!, caller),
    }),
    route({
      method: 'DELETE',
      path: '/v1/workspaces/{name}',
      params: WorkspaceParams,
      summary: 'Stop the server and delete the workspace and its files',
      access: operate('workspaces:write'),
      status: 202,
      handle: ({ params, caller }) => workspaces.delete(params.name!, caller),
    }),
    route({
      method: 'GET',
      path: '/v1/workspaces/{name}/metrics',
      params: WorkspaceParams,
      query: WorkspaceMetricsQuery,
      summary: "What the workspace's notebooks logged with kiln_sdk's log_metric: each metric's latest value and every point (?name= one metric)",
      access: can('workspaces:read', workspaceIn),
      handle: ({ params, query }) => workspaces.metrics(params.name!, query),
    }),
  ];
}
