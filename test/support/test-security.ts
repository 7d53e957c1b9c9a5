import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { AccessService } from '../../api/access/access-service.js';
import type { SchedulesService } from '../../api/schedules-service.js';
import type { OidcSettings } from '../../core/config.js';
import { openMetadataStore, type MetadataStore } from '../../core/metadata/metadata-store.js';

/**
 * Real access control over a fresh SQLite store, for API tests without Temporal: the
 * admin token `kiln up` would write, and the store to add users, roles and bindings to.
 * Resources are resolved through `temporal`/`schedules` only for scoped callers; pass them when a test needs that.
 */
export async function startTestSecurity(
  deps: { temporal?: Client; schedules?: SchedulesService; oidc?: OidcSettings; now?: () => number } = {},
): Promise<{ access: AccessService; metadata: MetadataStore; adminToken: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-test-security-'));
  const metadata = await openMetadataStore({ sqlitePath: join(dir, 'kiln.sqlite') });
  const access = new AccessService({
    metadata,
    temporal: deps.temporal as Client,
    schedules: deps.schedules as SchedulesService,
    ...(deps.oidc ? { oidc: deps.oidc } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
  const { token } = await access.bootstrapAdmin(join(dir, 'credentials', 'admin.token'));
  return {
    access,
    metadata,
    adminToken: token!,
    close: async () => {
      await metadata.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
