import { z } from 'zod';

/**
 * Everything a route can require. `admin:access` manages users, service accounts, roles,
 * bindings and other principals' tokens; reading or writing one's own tokens needs no permission.
 */
export const PERMISSIONS = [
  'environments:read',
  'environments:write',
  'datasets:read',
  'datasets:write',
  'projects:read',
  'projects:write',
  'runs:read',
  'runs:create',
  'runs:cancel',
  'models:read',
  'models:promote',
  'models:predict',
  'schedules:read',
  'schedules:write',
  'experiments:read',
  'experiments:write',
  'audit:read',
  'metrics:read',
  'workspaces:read',
  'workspaces:write',
  /** Open, stop, start or delete a workspace someone else created (its creator needs only `workspaces:write`). */
  'workspaces:open',
  'admin:access',
] as const;

export const Permission = z.enum(PERMISSIONS);
export type Permission = z.infer<typeof Permission>;

const RESOURCES = [...new Set(PERMISSIONS.map((p) => p.split(':')[0]!))];

/** What a role lists: a permission, every action on one resource (`runs:*`), or everything (`*`). */
export const PermissionPattern = z.union([Permission, z.literal('*'), z.enum(RESOURCES.map((r) => `${r}:*`) as [string, ...string[]])], {
  error: `expected a permission (${PERMISSIONS.join(', ')}), "<resource>:*" or "*"`,
});
export type PermissionPattern = z.infer<typeof PermissionPattern>;

/** True when `pattern` grants `permission`. */
export function patternGrants(pattern: string, permission: Permission): boolean {
  if (pattern === '*' || pattern === permission) return true;
  return pattern.endsWith(':*') && permission.startsWith(pattern.slice(0, -1));
}
