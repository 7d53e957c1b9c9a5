import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, inject } from 'vitest';
import type { DialectName } from '../../../core/metadata/database.js';
import { openMetadataStore, type MetadataStore, type MetadataStoreOptions } from '../../../core/metadata/metadata-store.js';
import { createMysqlTestDatabase } from '../../support/mysql-test-database.js';

/** A database the shared metadata suite can run against. */
export interface DialectFixture {
  readonly name: DialectName;
  /** Options for a fresh, empty database, and how to remove it afterwards. */
  fresh(): Promise<{ options: MetadataStoreOptions; cleanup(): Promise<void> }>;
}

const sqlite: DialectFixture = {
  name: 'sqlite',
  async fresh() {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-metadata-'));
    return {
      // A nested path: opening must create missing parent directories.
      options: { sqlitePath: join(dir, 'home', 'kiln.sqlite') },
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
};

const mysql: DialectFixture = {
  name: 'mysql',
  async fresh() {
    // The MariaDB the global setup started (test/support/test-mariadb.ts); a new database per test.
    const server = inject('mysqlUrl');
    if (!server) throw new Error('no MySQL test server: the global setup provides one unless KILN_TEST_DIALECTS leaves mysql out');
    const { url, drop } = await createMysqlTestDatabase(server);
    // sqlitePath is required by the type but unused once a URL is given.
    return { options: { url, sqlitePath: '/nonexistent/unused.sqlite' }, cleanup: drop };
  },
};

const ALL: readonly DialectFixture[] = [sqlite, mysql];

/** Every dialect, or those named in KILN_TEST_DIALECTS (comma-separated). */
export const DIALECTS: readonly DialectFixture[] = (() => {
  const only = process.env.KILN_TEST_DIALECTS?.split(',').map((s) => s.trim());
  return only ? ALL.filter((d) => only.includes(d.name)) : ALL;
})();

/** A fake clock: every reading is 1 ms after the previous one, so ordering never ties. */
export function fakeClock(start = Date.UTC(2026, 0, 1)) {
  let t = start;
  return { now: () => t++, peek: () => t, advance: (ms: number) => void (t += ms) };
}

/**
 * Opens a fresh store before each test of the enclosing describe and closes it after.
 * Read `ctx.store` and `ctx.clock` inside tests.
 */
export function useFreshStore(dialect: DialectFixture) {
  const ctx = {} as { store: MetadataStore; clock: ReturnType<typeof fakeClock>; options: MetadataStoreOptions };
  let cleanup: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    const fresh = await dialect.fresh();
    cleanup = fresh.cleanup;
    ctx.clock = fakeClock();
    ctx.options = fresh.options;
    ctx.store = await openMetadataStore({ ...fresh.options, now: ctx.clock.now });
  });
  afterEach(async () => {
    await ctx.store?.close();
    await cleanup?.();
  });
  return ctx;
}
