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

describe('a provisioned admin token (KILN_ADMIN_TOKEN_FILE, e.g. the Helm chart Secret every API replica mounts)', () => {
  let dir2: string;
  let store: MetadataStore;
  let service: AccessService;
  const provisioned = 'kiln_0123456789abcdef_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
  const file = () => join(dir2, 'token');
  beforeAll(async () => {
    dir2 = mkdtempSync(join(tmpdir(), 'kiln-provisioned-'));
    store = await openMetadataStore({ sqlitePath: join(dir2, 'kiln.sqlite') });
    service = new AccessService({ metadata: store, temporal: {} as Client, schedules: {} as SchedulesService });
    writeFileSync(file(), `${provisioned}\n`);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir2, { recursive: true, force: true });
  });

  it('registers it for the admin on everything; replicas starting at once end with that one token', async () => {
    const results = await Promise.all([service.provisionAdminToken(file()), service.provisionAdminToken(file()), service.provisionAdminToken(file())]);
    expect(results.map((r) => r.token)).toEqual([provisioned, provisioned, provisioned]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const principal = await service.authenticate(`Bearer ${provisioned}`);
    expect(principal).toMatchObject({ kind: 'user', name: 'admin' });
    expect((await service.grantOf(principal)).holdsEverywhere('admin:access')).toBe(true);
    expect(await store.tokens.list({ kind: 'user', name: 'admin' })).toHaveLength(1);
    expect(await service.provisionAdminToken(file())).toEqual({ token: provisioned, created: false });
  });

  it('refuses a file that holds no Kiln token, a token with another secret, or a revoked one, naming the variable', async () => {
    writeFileSync(file(), 'hunter2\n');
    await expect(service.provisionAdminToken(file())).rejects.toThrow(/^KILN_ADMIN_TOKEN_FILE: .* does not hold a Kiln API token/);
    writeFileSync(file(), `${provisioned.slice(0, -1)}C\n`);
    await expect(service.provisionAdminToken(file())).rejects.toThrow('KILN_ADMIN_TOKEN_FILE: the token in');
    writeFileSync(file(), `${provisioned}\n`);
    await store.tokens.revoke('0123456789abcdef');
    await expect(service.provisionAdminToken(file())).rejects.toThrow('was revoked');
  });
});
