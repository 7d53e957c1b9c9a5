import { principalId } from '../../core/access/principal.js';
import type { Permission } from '../../core/access/permissions.js';
import type { ResourceRef } from '../../core/access/resource-scope.js';
import { bodyField, target, type AccessContext, type Caller, type ResourceTarget, type RouteAccess } from './route-access.js';

/** How a route finds the resource its request acts on, for the permission check and the audit log. */
export type Finder = (ctx: AccessContext) => ResourceTarget;

/** A permission on the resource `find` names (none: on some resource; lists show only what it covers). */
export const can = (permission: Permission, find?: Finder, more: Partial<Extract<RouteAccess, object>> = {}): RouteAccess => ({
  permission,
  ...(find ? { resource: find } : {}),
  ...more,
});
export const runIn: Finder = ({ params }) => target('run', params.id!, (d) => d.run(params.id!));
export const modelIn: Finder = ({ params }) => target('model', params.name!, (d) => d.model(params.name!));
export const environmentIn: Finder = ({ params }) => target('environment', params.name!, (d) => d.environment(params.name!));
export const datasetIn: Finder = ({ params }) => target('dataset', params.name!, (d) => d.dataset(params.name!));
export const scheduleIn: Finder = ({ params }) => target('schedule', params.name!, (d) => d.schedule(params.name!));
export const workspaceIn: Finder = ({ params }) => target('workspace', params.name!, (d) => d.workspace(params.name!));
/** A new workspace: under its project when the body names one (scopes match on it), else the caller's team. */
export const workspaceOfBody: Finder = ({ body }) => {
  const name = bodyField(body, 'name');
  const project = bodyField(body, 'project');
  return target('workspace', name, async (d) => (project ? d.project(project, 'workspace', name) : { kind: 'workspace', name, isNew: true }));
};
export const experimentIn: Finder = ({ params }) => target('experiment', params.id!, (d) => d.experiment(params.id!));
/** A resource named by the body's `name` (not yet validated: a missing name is the service's 400). */
export const namedInBody =
  (kind: 'environment' | 'dataset' | 'project'): Finder =>
  ({ body }) => {
    const name = bodyField(body, 'name');
    return target(kind, name, (d) => (kind === 'project' ? d.project(name) : d[kind](name)));
  };
/** The project a new run, schedule or experiment belongs to, from its body. */
export const projectOfBody =
  (kind: ResourceRef['kind']): Finder =>
  ({ body }) => {
    const project = bodyField(body, 'project');
    const name = bodyField(body, 'name');
    // A run has no name before it starts: it is audited under its project.
    const resource = name ? target(kind, name, (d) => d.project(project, kind, name)) : target('project', project, (d) => d.project(project, kind, project));
    return resource;
  };
export const named = <T extends { name: string }>(result: T) => result.name;

/** A body naming who acts (`by`): the authenticated caller, whatever the body says. */
export function withActor(body: unknown, caller: Caller): unknown {
  const by = principalId(caller.principal);
  return body && typeof body === 'object' && !Array.isArray(body) ? { ...body, by } : body;
}
