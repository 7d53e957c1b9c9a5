import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { PermissionPattern } from '../access/permissions.js';
import type { PrincipalKind } from '../access/principal.js';
import { BindingScope } from '../access/resource-scope.js';
import { parseJsonColumn } from './columns.js';
import { WriteGeneration } from './write-generation.js';
import type { ConflictWrites, KilnDb } from './conflict-writes.js';
import type { PrincipalsTable, RoleBindingsTable, RolesTable } from './tables.js';

export interface PrincipalRecord {
  kind: PrincipalKind;
  name: string;
  team: string | null;
  description: string | null;
  createdBy: string;
  createdAt: number;
  disabledAt: number | null;
}

export interface RoleRecord {
  name: string;
  permissions: string[];
  description: string | null;
  createdBy: string;
  createdAt: number;
}

export interface BindingRecord {
  id: string;
  principal: { kind: PrincipalKind; name: string };
  role: string;
  scope: BindingScope | null;
  createdBy: string;
  createdAt: number;
}

/** Users, service accounts, custom roles and role bindings. */
export class AccessRepository {
  /** Moves on with every write through this store, for caches of principals, roles and bindings. */
  readonly generation = new WriteGeneration();

  constructor(
    private readonly db: KilnDb,
    private readonly writes: ConflictWrites,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates the principal unless one with that kind and name exists; returns the stored one. */
  async addPrincipal(
    p: { kind: PrincipalKind; name: string; team?: string; description?: string },
    by: string,
  ): Promise<{ record: PrincipalRecord; created: boolean }> {
    const before = await this.getPrincipal(p.kind, p.name);
    if (before) return { record: before, created: false };
    const row: PrincipalsTable = {
      kind: p.kind,
      name: p.name,
      team: p.team ?? null,
      description: p.description ?? null,
      created_by: by,
      created_at: this.now(),
      disabled_at: null,
    };
    await this.generation.around(() => this.writes.insertIfAbsent(this.db, 'principals', row, { key: ['kind', 'name'] }));
    return { record: (await this.getPrincipal(p.kind, p.name))!, created: true };
  }

  async getPrincipal(kind: PrincipalKind, name: string): Promise<PrincipalRecord | undefined> {
    const row = await this.db.selectFrom('principals').selectAll().where('kind', '=', kind).where('name', '=', name).executeTakeFirst();
    return row && toPrincipal(row);
  }

  async listPrincipals(kind: PrincipalKind): Promise<PrincipalRecord[]> {
    const rows = await this.db.selectFrom('principals').selectAll().where('kind', '=', kind).orderBy('name').execute();
    return rows.map(toPrincipal);
  }

  /** Disables the principal: its tokens stop working and its bindings are removed. */
  async disablePrincipal(kind: PrincipalKind, name: string): Promise<boolean> {
    return this.generation.around(() =>
      this.db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('principals')
          .set({ disabled_at: this.now() })
          .where('kind', '=', kind)
          .where('name', '=', name)
          .where('disabled_at', 'is', null)
          .executeTakeFirst();
        await trx.deleteFrom('role_bindings').where('principal_kind', '=', kind).where('principal_name', '=', name).execute();
        return Number(result.numUpdatedRows) > 0;
      }),
    );
  }

  async putRole(role: { name: string; permissions: string[]; description?: string }, by: string): Promise<RoleRecord> {
    const row: RolesTable = {
      name: role.name,
      permissions_json: JSON.stringify(role.permissions),
      description: role.description ?? null,
      created_by: by,
      created_at: this.now(),
    };
    await this.generation.around(() => this.writes.upsert(this.db, 'roles', row, { key: ['name'], update: ['permissions_json', 'description'] }));
    return (await this.getRole(role.name))!;
  }

  async getRole(name: string): Promise<RoleRecord | undefined> {
    const row = await this.db.selectFrom('roles').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toRole(row);
  }

  async listRoles(): Promise<RoleRecord[]> {
    return (await this.db.selectFrom('roles').selectAll().orderBy('name').execute()).map(toRole);
  }

  async deleteRole(name: string): Promise<boolean> {
    const result = await this.generation.around(() => this.db.deleteFrom('roles').where('name', '=', name).executeTakeFirst());
    return Number(result.numDeletedRows) > 0;
  }

  async roleInUse(name: string): Promise<boolean> {
    return !!(await this.db.selectFrom('role_bindings').select('id').where('role', '=', name).executeTakeFirst());
  }

  async addBinding(
    binding: { principal: { kind: PrincipalKind; name: string }; role: string; scope: BindingScope | null },
    by: string,
  ): Promise<BindingRecord> {
    const row: RoleBindingsTable = {
      id: `b-${randomUUID().replaceAll('-', '').slice(0, 16)}`,
      principal_kind: binding.principal.kind,
      principal_name: binding.principal.name,
      role: binding.role,
      scope_json: binding.scope ? JSON.stringify(binding.scope) : null,
      created_by: by,
      created_at: this.now(),
    };
    await this.generation.around(() => this.db.insertInto('role_bindings').values(row).execute());
    return toBinding(row);
  }

  async listBindings(principal?: { kind: PrincipalKind; name: string }): Promise<BindingRecord[]> {
    let query = this.db.selectFrom('role_bindings').selectAll();
    if (principal) query = query.where('principal_kind', '=', principal.kind).where('principal_name', '=', principal.name);
    return (await query.orderBy('created_at').orderBy('id').execute()).map(toBinding);
  }

  async deleteBinding(id: string): Promise<boolean> {
    const result = await this.generation.around(() => this.db.deleteFrom('role_bindings').where('id', '=', id).executeTakeFirst());
    return Number(result.numDeletedRows) > 0;
  }
}

function toPrincipal(row: PrincipalsTable): PrincipalRecord {
  return {
    kind: row.kind as PrincipalKind,
    name: row.name,
    team: row.team,
    description: row.description,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    disabledAt: row.disabled_at === null ? null : Number(row.disabled_at),
  };
}

function toRole(row: RolesTable): RoleRecord {
  return {
    name: row.name,
    permissions: parseJsonColumn(z.array(PermissionPattern), row.permissions_json, `roles.permissions_json of "${row.name}"`),
    description: row.description,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  };
}

function toBinding(row: RoleBindingsTable): BindingRecord {
  return {
    id: row.id,
    principal: { kind: row.principal_kind as PrincipalKind, name: row.principal_name },
    role: row.role,
    scope: row.scope_json === null ? null : parseJsonColumn(BindingScope, row.scope_json, `role_bindings.scope_json of ${row.id}`),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  };
}
