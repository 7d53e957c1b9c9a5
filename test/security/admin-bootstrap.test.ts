import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessService } from '../../api/access/access-service.js';
import type { SchedulesService } from '../../api/schedules-service.js';
import { openMetadataStore, type MetadataStore } from '../../core/metadata/metadata-store.js';

let dir: string;
let metadata: MetadataStore;
let access: AccessService;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-bootstrap-'));
  metadata = await openMetadataStore({ sqlitePath: join(dir, 'kiln.sqlite') });
  access = new AccessService({ metadata, temporal: {} as Client, schedules: {} as SchedulesService });
});
afterAll(async () => {
  await metadata.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the admin token kiln up writes on first start', () => {
  const file = () => join(dir, 'credentials', 'admin.token');

  it('creates the admin user, binds it to admin on everything, and writes its token 0600 in a 0700 directory', async () => {
    const first = await access.bootstrapAdmin(file());
    expect(first.created).toBe(true);
    expect(readFileSync(file(), 'utf8').trim()).toBe(first.token);
    expect(statSync(file()).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'credentials')).mode & 0o777).toBe(0o700);
    const principal = await access.authenticate(`Bearer ${first.token}`);
    expect(principal).toMatchObject({ kind: 'user', name: 'admin' });
    expect((await access.grantOf(principal)).holdsEverywhere('admin:access')).toBe(true);
  });

  it('keeps a token that still works on the next start', async () => {
    const before = readFileSync(file(), 'utf8');
    expect(await access.bootstrapAdmin(file())).toMatchObject({ created: false, token: before.trim() });
    expect(await metadata.tokens.list({ kind: 'user', name: 'admin' })).toHaveLength(1);
  });

  it('replaces a token that stopped working (revoked, or from another database)', async () => {
    const [old] = await metadata.tokens.list({ kind: 'user', name: 'admin' });
    await metadata.tokens.revoke(old!.id);
    const replaced = await access.bootstrapAdmin(file());
    expect(replaced.created).toBe(true);
    expect(replaced.token).not.toContain(old!.id);
    writeFileSync(file(), 'kiln_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n');
    expect((await access.bootstrapAdmin(file())).created).toBe(true);
    expect(await metadata.access.listBindings({ kind: 'user', name: 'admin' })).toHaveLength(1);
  });

  it('does not bring back an admin user that was disabled on purpose', async () => {
    await metadata.access.disablePrincipal('user', 'admin');
    rmSync(file());
    expect(await access.bootstrapAdmin(file())).toEqual({ token: undefined, created: false });
  });
});
