import type { Permission } from './permissions.js';
import { patternGrants } from './permissions.js';
import { scopeCovers, type BindingScope, type ResourceRef } from './resource-scope.js';

/** One binding of the caller, resolved to its role's permissions. */
export interface Grant {
  role: string;
  permissions: readonly string[];
  /** null: every resource. */
  scope: BindingScope | null;
}

/** What the caller may do, from its bindings: the one place that decides. */
export class AccessGrant {
  constructor(readonly grants: readonly Grant[]) {}

  /** Grants that include the permission, whatever their scope. */
  private holding(permission: Permission): Grant[] {
    return this.grants.filter((g) => g.permissions.some((p) => patternGrants(p, permission)));
  }

  /** Some binding grants it, on at least some resources (a list then shows only those). */
  holdsAnywhere(permission: Permission): boolean {
    return this.holding(permission).length > 0;
  }

  /** A binding grants it on every resource. */
  holdsEverywhere(permission: Permission): boolean {
    return this.holding(permission).some((g) => g.scope === null);
  }

  /** A binding grants it on this resource. */
  allows(permission: Permission, resource: ResourceRef): boolean {
    return this.holding(permission).some((g) => scopeCovers(g.scope, resource));
  }
}
