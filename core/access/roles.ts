import { z } from 'zod';
import { PERMISSIONS, PermissionPattern, type Permission } from './permissions.js';
import { AccessName } from './principal.js';

/** A role: a named set of permissions. Custom roles are stored; the built-in ones live here. */
export const RoleSpec = z
  .object({
    name: AccessName,
    permissions: z.array(PermissionPattern).min(1).max(64),
    description: z.string().max(500).optional(),
  })
  .strict();
export type RoleSpec = z.infer<typeof RoleSpec>;

const reads = PERMISSIONS.filter((p) => p.endsWith(':read') && p !== 'audit:read');
const trainer: Permission[] = [
  ...reads,
  'datasets:write',
  'projects:write',
  'runs:create',
  'runs:cancel',
  'experiments:write',
  'models:predict',
  'workspaces:write',
];

/** Roles every installation has; their names cannot be taken by a custom role. */
export const BUILTIN_ROLES: readonly RoleSpec[] = Object.freeze([
  { name: 'admin', permissions: ['*'], description: 'Everything, including users, roles, bindings and the audit log' },
  {
    name: 'maintainer',
    permissions: [...trainer, 'environments:write', 'schedules:write', 'models:promote', 'audit:read'],
    description: 'Trainer, plus environments (which install packages), schedules, promotion and rollback, and the audit log',
  },
  { name: 'trainer', permissions: trainer, description: 'Viewer, plus datasets, projects, runs, experiments and predictions' },
  { name: 'viewer', permissions: reads, description: 'Reads everything but the audit log' },
]);

export function builtinRole(name: string): RoleSpec | undefined {
  return BUILTIN_ROLES.find((r) => r.name === name);
}
