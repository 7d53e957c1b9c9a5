import type { Insertable } from 'kysely';
import type { KilnDb } from './conflict-writes.js';
import type { AuditEventsTable } from './tables.js';

export type AuditOutcome = 'ok' | 'denied' | 'invalid' | 'error';

export interface AuditEvent {
  seq: number;
  at: number;
  principal: string;
  permission: string | null;
  method: string;
  route: string;
  resource: string | null;
  status: number;
  outcome: AuditOutcome;
  requestId: string;
  message: string | null;
}

export interface AuditFilter {
  principal?: string;
  /** Resource as recorded, e.g. `project:fraud`. */
  resource?: string;
  outcome?: AuditOutcome;
  /** Events at or after this time (epoch ms). */
  since?: number;
  /** Events with a smaller seq (paging backwards). */
  before?: number;
  limit: number;
}

/** The audit log: appended to, never updated or deleted through Kiln. */
export class AuditRepository {
  constructor(
    private readonly db: KilnDb,
    private readonly now: () => number = Date.now,
  ) {}

  async append(event: Omit<AuditEvent, 'seq' | 'at'>): Promise<void> {
    const row: Insertable<AuditEventsTable> = {
      at: this.now(),
      principal: event.principal,
      permission: event.permission,
      method: event.method,
      route: event.route.slice(0, 255),
      resource: event.resource?.slice(0, 255) ?? null,
      status: event.status,
      outcome: event.outcome,
      request_id: event.requestId,
      message: event.message?.slice(0, 1000) ?? null,
    };
    await this.db.insertInto('audit_events').values(row).execute();
  }

  /** Newest first. */
  async list(filter: AuditFilter): Promise<AuditEvent[]> {
    let query = this.db.selectFrom('audit_events').selectAll();
    if (filter.principal) query = query.where('principal', '=', filter.principal);
    if (filter.resource) query = query.where('resource', '=', filter.resource);
    if (filter.outcome) query = query.where('outcome', '=', filter.outcome);
    if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
    if (filter.before !== undefined) query = query.where('seq', '<', filter.before);
    const rows = await query.orderBy('seq', 'desc').limit(filter.limit).execute();
    return rows.map((row) => ({
      seq: Number(row.seq),
      at: Number(row.at),
      principal: row.principal,
      permission: row.permission,
      method: row.method,
      route: row.route,
      resource: row.resource,
      status: Number(row.status),
      outcome: row.outcome as AuditOutcome,
      requestId: row.request_id,
      message: row.message,
    }));
  }
}
