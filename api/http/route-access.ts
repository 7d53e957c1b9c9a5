import type { AccessGrant } from '../../core/access/access-grant.js';
import type { Permission } from '../../core/access/permissions.js';
import type { Principal } from '../../core/access/principal.js';
import type { ResourceRef } from '../../core/access/resource-scope.js';
import { ForbiddenError } from '../../core/errors.js';
import type { AuditEvent } from '../../core/metadata/audit-repository.js';
import type { OwnedKind } from '../../core/metadata/owners-repository.js';
import type { ResourceDirectory } from '../access/resource-directory.js';

/** The caller of a request that passed authentication. */
export interface Caller {
  principal: Principal;
  grant: AccessGrant;
}

/** What a route's resource finder sees: the request as parsed so far. */
export interface AccessContext {
  params: Record<string, string>;
  query: Record<string, unknown>;
  /** The body as sent (service-parsed bodies are not checked yet). */
  body: unknown;
  caller: Caller;
}

/** What a route needs from its caller. */
export type RouteAccess =
  /** No token (liveness only). */
  | 'public'
  /** Any valid token: the caller's own account and tokens. */
  | 'authenticated'
  | {
      permission: Permission;
      /** Only a binding without a scope will do (users, roles, the audit log). */
      global?: boolean;
      /** The resource the request acts on; its project, model and team are matched against scoped bindings. */
      resource?: (ctx: AccessContext) => ResourceTarget;
      /** For a list: each item's resource; a caller with only scoped bindings sees the items they cover. */
      visible?: (item: never, directory: ResourceDirectory) => Promise<ResourceRef>;
      /**
       * A list cut to `?limit=` (default `default`): for a scoped caller the handler is asked for
       * up to `max` items and the visible ones are cut to the limit, so hidden items never take
       * the places of visible ones.
       */
      visibleLimit?: { default: number; max: number };
      /** A created resource to record with the caller as owner, from the handler's result. */
      owns?: { kind: OwnedKind; nameOf(result: never): string };
    };

/** A resource named by a request: its label at once, what scopes match on only when needed. */
export interface ResourceTarget {
  /** `run:r-123`, for the audit log and errors. */
  label: string;
  resolve(directory: ResourceDirectory): Promise<ResourceRef>;
}

export function target(kind: ResourceRef['kind'], name: string, resolve: (directory: ResourceDirectory) => Promise<ResourceRef>): ResourceTarget {
  return { label: `${kind}:${name}`, resolve };
}

/** What the server needs from access control; AccessService provides it. */
export interface ApiSecurity {
  authenticate(authorization: string | undefined): Promise<Principal>;
  grantOf(principal: Pick<Principal, 'kind' | 'name'>): Promise<AccessGrant>;
  directory(): ResourceDirectory;
  record(event: AuditEntry): Promise<void>;
  claim(kind: OwnedKind, name: string, principal: Principal): Promise<void>;
}

/** What the server records of a mutating call; the log adds its sequence number and time. */
export type AuditEntry = Omit<AuditEvent, 'seq' | 'at'>;

/**
 * The one check every request passes: the caller holds the route's permission on the resource
 * it names (ForbiddenError otherwise). Returns the resource's label for the audit log.
 */
export async function authorize(access: RouteAccess, ctx: AccessContext, directory: ResourceDirectory): Promise<string | undefined> {
  if (access === 'public' || access === 'authenticated') return undefined;
  const { permission } = access;
  const { grant, principal } = ctx.caller;
  const who = `${principal.kind} ${principal.name}`;
  if (!grant.holdsAnywhere(permission)) throw new ForbiddenError(permission, undefined, `${who} lacks ${permission}`);
  if (access.global && !grant.holdsEverywhere(permission))
    throw new ForbiddenError(permission, undefined, `${who} holds ${permission} only on some resources; this needs it on all`);
  if (!access.resource) return undefined;
  const { label, resolve } = access.resource(ctx);
  // Only a scoped caller needs the resource's project, model and team looked up.
  if (grant.holdsEverywhere(permission)) return label;
  const resource = await resolve(directory);
  // A resource being created will belong to the caller's team; an existing one keeps its own (or none).
  const effective = resource.isNew ? { ...resource, team: principal.team } : resource;
  if (!grant.allows(permission, effective)) throw new ForbiddenError(permission, label, `${who} lacks ${permission} on ${label}`);
  return label;
}

/** Whether list results are filtered for this caller (a scoped binding on a route with `visible`). */
export function filtersItems(access: RouteAccess, caller: Caller): boolean {
  return typeof access === 'object' && access.visible !== undefined && !caller.grant.holdsEverywhere(access.permission);
}

/** The items of a list result the caller may see; everything for an unscoped binding. */
export async function visibleItems(access: RouteAccess, caller: Caller, result: unknown, directory: ResourceDirectory): Promise<unknown> {
  if (typeof access === 'string' || !access.visible || !Array.isArray(result) || caller.grant.holdsEverywhere(access.permission)) return result;
  const refOf = access.visible as (item: unknown, directory: ResourceDirectory) => Promise<ResourceRef>;
  const shown = await Promise.all(result.map(async (item) => caller.grant.allows(access.permission, await refOf(item, directory))));
  return result.filter((_item, i) => shown[i]);
}

/** A string field of a body not yet validated, for finding the resource it names. */
export function bodyField(body: unknown, field: string): string {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[field] : undefined;
  return typeof value === 'string' ? value : '';
}
