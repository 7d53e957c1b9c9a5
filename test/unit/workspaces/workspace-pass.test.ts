import { describe, expect, it } from 'vitest';
import { readWorkspacePass, SESSION_LIFETIME_MS, signWorkspacePass, SpentTickets, TICKET_LIFETIME_MS } from '../../../core/workspaces/workspace-pass.js';

const ada = { kind: 'user' as const, name: 'ada', team: 'fraud' };
const NOW = 1_800_000_000_000;

describe('workspace passes (proxy tickets and sessions)', () => {
  it('read back for the workspace, kind and server token they were signed for, until they expire', () => {
    const ticket = signWorkspacePass('ticket', 'nb', ada, 'server-token', NOW);
    expect(readWorkspacePass('ticket', ticket, 'nb', 'server-token', NOW + 1_000)).toMatchObject({
      workspace: 'nb',
      principal: ada,
      expiresAt: NOW + TICKET_LIFETIME_MS,
    });
    expect(readWorkspacePass('ticket', ticket, 'nb', 'server-token', NOW + TICKET_LIFETIME_MS)).toBeUndefined();
    const session = signWorkspacePass('session', 'nb', ada, 'server-token', NOW);
    expect(readWorkspacePass('session', session, 'nb', 'server-token', NOW + SESSION_LIFETIME_MS - 1)?.principal).toEqual(ada);
    expect(readWorkspacePass('session', session, 'nb', 'server-token', NOW + SESSION_LIFETIME_MS)).toBeUndefined();
  });

  it.each([
    ['another kind (a ticket as a session)', (t: string) => readWorkspacePass('session', t, 'nb', 'server-token', NOW)],
    ['another workspace', (t: string) => readWorkspacePass('ticket', t, 'other', 'server-token', NOW)],
    ['a restarted server (new token)', (t: string) => readWorkspacePass('ticket', t, 'nb', 'new-token', NOW)],
    ['a changed payload', (t: string) => readWorkspacePass('ticket', `${forgeHolder(t)}.${t.split('.')[1]}`, 'nb', 'server-token', NOW)],
    ['a changed signature', (t: string) => readWorkspacePass('ticket', `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`, 'nb', 'server-token', NOW)],
    ['no signature', (t: string) => readWorkspacePass('ticket', t.split('.')[0]!, 'nb', 'server-token', NOW)],
    ['garbage', () => readWorkspacePass('ticket', 'not.a.pass', 'nb', 'server-token', NOW)],
  ])('are refused for %s', (_what, read) => {
    expect(read(signWorkspacePass('ticket', 'nb', ada, 'server-token', NOW))).toBeUndefined();
  });

  it('a ticket is spent once; another ticket for the same holder is not', () => {
    const spent = new SpentTickets();
    const first = readWorkspacePass('ticket', signWorkspacePass('ticket', 'nb', ada, 't', NOW), 'nb', 't', NOW)!;
    const second = readWorkspacePass('ticket', signWorkspacePass('ticket', 'nb', ada, 't', NOW), 'nb', 't', NOW)!;
    expect(spent.spend(first, NOW)).toBe(true);
    expect(spent.spend(first, NOW + 1)).toBe(false);
    expect(spent.spend(second, NOW + 1)).toBe(true);
  });
});

/** The same pass claiming another holder (the signature no longer matches). */
function forgeHolder(ticket: string): string {
  const pass = JSON.parse(Buffer.from(ticket.split('.')[0]!, 'base64url').toString('utf8'));
  pass.principal.name = 'mallory';
  return Buffer.from(JSON.stringify(pass)).toString('base64url');
}
