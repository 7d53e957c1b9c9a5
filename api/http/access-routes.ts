import { z } from 'zod';
import { AccessName, PrincipalSpec } from '../../core/access/principal.js';
import { RoleSpec } from '../../core/access/roles.js';
import { AuditQuery, BindingRequest, TokenRequest, TokensQuery } from '../access/access-requests.js';
import type { AccessService } from '../access/access-service.js';
import { route, type Route } from './route.js';
import type { RouteAccess } from './route-access.js';

const admin: RouteAccess = { permission: 'admin:access', global: true };
/** Token endpoints: a few per minute per caller address, against guessing and floods. */
const tokenLimit = { max: 30, timeWindow: '1 minute' };
const NameParams = z.object({ name: AccessName }).strict();
const BindingIdParams = z.object({ id: z.string().regex(/^b-[0-9a-f]{16}$/, 'not a binding id') }).strict();
const TokenIdParams = z.object({ id: z.string().regex(/^[a-z0-9]{16}$/, 'not a token id') }).strict();
const BindingsQuery = z.object({ principal: z.string().max(140).optional() }).strict();

/** Who may do what: users, service accounts, roles, bindings, tokens and the audit log. */
export function accessRoutes(access: AccessService): Route[] {
  const principalRoutes = (['user', 'service-account'] as const).flatMap((kind) => {
    const path = kind === 'user' ? '/v1/users' : '/v1/service-accounts';
    return [
      route({
        method: 'POST',
        path,
        summary: `Create a ${kind}`,
        access: admin,
        serviceBody: PrincipalSpec,
        status: 201,
        handle: ({ body, caller }) => access.addPrincipal(kind, body, caller),
      }),
      route({ method: 'GET', path, summary: `List ${kind}s`, access: admin, handle: () => access.listPrincipals(kind) }),
      route({
        method: 'DELETE',
        path: `${path}/{name}`,
        params: NameParams,
        summary: `Disable a ${kind}: its tokens stop working and its bindings are removed`,
        access: admin,
        handle: ({ params, caller }) => access.disablePrincipal(kind, params.name!, caller),
      }),
    ];
  });
  return [
    route({
      method: 'GET',
      path: '/v1/whoami',
      summary: 'The caller, its role bindings and their permissions',
      access: 'authenticated',
      handle: ({ caller }) => access.whoami(caller),
    }),
    ...principalRoutes,
    route({
      method: 'POST',
      path: '/v1/roles',
      summary: 'Create or update a custom role',
      access: admin,
      serviceBody: RoleSpec,
      status: 201,
      handle: ({ body, caller }) => access.putRole(body, caller),
    }),
    route({ method: 'GET', path: '/v1/roles', summary: 'Built-in and custom roles with their permissions', access: admin, handle: () => access.listRoles() }),
    route({
      method: 'DELETE',
      path: '/v1/roles/{name}',
      params: NameParams,
      summary: 'Delete an unbound custom role',
      access: admin,
      handle: ({ params }) => access.deleteRole(params.name!),
    }),
    route({
      method: 'POST',
      path: '/v1/bindings',
      summary: 'Bind a user or service account to a role, on every resource or a scope (projects, models by name pattern; teams)',
      access: admin,
      serviceBody: BindingRequest,
      status: 201,
      handle: ({ body, caller }) => access.addBinding(body, caller),
    }),
    route({
      method: 'GET',
      path: '/v1/bindings',
      summary: 'List role bindings (?principal=user:alice)',
      access: admin,
      query: BindingsQuery,
      handle: ({ query }) => access.listBindings(query.principal),
    }),
    route({
      method: 'DELETE',
      path: '/v1/bindings/{id}',
      params: BindingIdParams,
      summary: 'Remove a role binding',
      access: admin,
      handle: ({ params }) => access.deleteBinding(params.id!),
    }),
    route({
      method: 'POST',
      path: '/v1/tokens',
      summary: "Create an API token (shown once) for the caller, or another principal's with admin:access",
      access: 'authenticated',
      rateLimit: tokenLimit,
      serviceBody: TokenRequest,
      status: 201,
      handle: ({ body, caller }) => access.createToken(body, caller),
    }),
    route({
      method: 'GET',
      path: '/v1/tokens',
      summary: "The caller's tokens (?all=true: everyone's, with admin:access); never the secrets",
      access: 'authenticated',
      rateLimit: tokenLimit,
      query: TokensQuery,
      handle: ({ query, caller }) => access.listTokens(caller, query.all === 'true'),
    }),
    route({
      method: 'DELETE',
      path: '/v1/tokens/{id}',
      params: TokenIdParams,
      summary: "Revoke a token: the caller's own, or any with admin:access",
      access: 'authenticated',
      rateLimit: tokenLimit,
      handle: ({ params, caller }) => access.revokeToken(params.id!, caller),
    }),
    route({
      method: 'GET',
      path: '/v1/audit',
      summary: 'Mutating API calls, newest first (who, what, resource, result, request id)',
      access: { permission: 'audit:read', global: true },
      query: AuditQuery,
      handle: ({ query }) => access.auditLog(query),
    }),
  ];
}
