import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { PrincipalKind } from '../access/principal.js';

/**
 * Signed passes to a workspace reached through the API's proxy. `open` hands out a short-lived
 * one-time **ticket** (it travels in a URL); the proxy trades it for a **session** kept in an
 * HttpOnly cookie. Both are signed with the running server's own token, so they need no table,
 * any API replica can check them, and a restart (a new token) ends every session at once.
 */
export type WorkspacePassKind = 'ticket' | 'session';

/** The query parameter a ticket travels in; the proxy answers it and never forwards it. */
export const WORKSPACE_TICKET_PARAM = 'kiln_ticket';

export const TICKET_LIFETIME_MS = 60_000;
export const SESSION_LIFETIME_MS = 12 * 3600_000;

const WorkspacePass = z
  .object({
    workspace: z.string(),
    principal: z.object({ kind: PrincipalKind, name: z.string(), team: z.string().nullable() }).strict(),
    expiresAt: z.number(),
    nonce: z.string(),
  })
  .strict();
export type WorkspacePass = z.infer<typeof WorkspacePass>;
export type PassHolder = WorkspacePass['principal'];

export function signWorkspacePass(kind: WorkspacePassKind, workspace: string, holder: PassHolder, serverToken: string, now = Date.now()): string {
  const pass: WorkspacePass = {
    workspace,
    principal: { kind: holder.kind, name: holder.name, team: holder.team },
    expiresAt: now + (kind === 'ticket' ? TICKET_LIFETIME_MS : SESSION_LIFETIME_MS),
    nonce: randomBytes(12).toString('base64url'),
  };
  const payload = Buffer.from(JSON.stringify(pass)).toString('base64url');
  return `${payload}.${signature(kind, payload, serverToken)}`;
}

/** The pass, when `text` is one of `kind` for `workspace`, signed with the server's current token and not expired. */
export function readWorkspacePass(kind: WorkspacePassKind, text: string, workspace: string, serverToken: string, now = Date.now()): WorkspacePass | undefined {
  const [payload, mac, ...rest] = text.split('.');
  if (!payload || !mac || rest.length > 0) return undefined;
  const expected = Buffer.from(signature(kind, payload, serverToken));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let parsed;
  try {
    parsed = WorkspacePass.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    return undefined;
  }
  if (!parsed.success || parsed.data.workspace !== workspace || parsed.data.expiresAt <= now) return undefined;
  return parsed.data;
}

// The kind is signed too: a ticket is never accepted as a session, nor the reverse.
function signature(kind: WorkspacePassKind, payload: string, serverToken: string): string {
  return createHmac('sha256', serverToken).update(`kiln-workspace-${kind}.${payload}`).digest('base64url');
}

/** Tickets already traded, until they expire: a ticket opens one session, once, per API process. */
export class SpentTickets {
  private readonly spent = new Map<string, number>();

  /** False when the ticket's nonce was already spent. */
  spend(pass: WorkspacePass, now = Date.now()): boolean {
    for (const [nonce, expiresAt] of this.spent) if (expiresAt <= now) this.spent.delete(nonce);
    if (this.spent.has(pass.nonce)) return false;
    this.spent.set(pass.nonce, pass.expiresAt);
    return true;
  }
}
