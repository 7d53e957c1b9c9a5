import { describe, expect, inject, it } from 'vitest';
import { BackendUnavailableError } from '../../../core/errors.js';
import { checkDatabase } from '../../../core/metadata/check-database.js';
import { createDatabase } from '../../../core/metadata/database.js';
import { MIGRATIONS, migrateToLatest } from '../../../core/metadata/migrate.js';
import { freePort } from '../../../core/net/free-port.js';
import { DIALECTS } from './dialects.js';

/** The test server's URL with some parts replaced. */
function variant(change: (url: URL) => void): string {
  const url = new URL(inject('mysqlUrl')!);
  change(url);
  return url.toString();
}

async function openError(url: string): Promise<Error> {
  const error = await createDatabase({ url, sqlitePath: '/nonexistent/unused.sqlite' }).then(
    async (database) => {
      await database.close();
      throw new Error('expected the database not to open');
    },
    (e: unknown) => e as Error,
  );
  expect(error).toBeInstanceOf(BackendUnavailableError);
  return error;
}

// Present unless KILN_TEST_DIALECTS narrows the run to other dialects (never in CI).
const mysqlRuns = DIALECTS.filter((d) => d.name === 'mysql');

for (const _mysql of mysqlRuns)
  describe('opening MySQL', () => {
    it('checks the connection on open and describes the server', async () => {
      const database = await createDatabase({ url: inject('mysqlUrl'), sqlitePath: '/nonexistent/unused.sqlite' });
      try {
        expect(database.dialect).toBe('mysql');
        expect(database.description).toMatch(/^MySQL \S*MariaDB\S* at 127\.0\.0\.1:\d+, database "kiln" as "kiln"$/);
      } finally {
        await database.close();
      }
    });

    it('says in one line that the password was refused, without printing it', async () => {
      const url = variant((u) => (u.password = 'wrong-S3cret'));
      const { port } = new URL(url);
      const error = await openError(url);
      expect(error.message).toBe(`database: access denied for user "kiln" at 127.0.0.1:${port} (check the password in KILN_DATABASE_URL)`);
      expect(error.message).not.toContain('wrong-S3cret');
    });

    it('says in one line that nothing listens at the address', async () => {
      const port = await freePort();
      const error = await openError(variant((u) => (u.port = String(port))));
      expect(error.message).toBe(`database: cannot reach MySQL at 127.0.0.1:${port} (connection refused)`);
    });

    it('says in one line that the database does not exist', async () => {
      const url = variant((u) => (u.pathname = '/kiln_missing'));
      const error = await openError(url);
      expect(error.message).toBe(
        `database: database "kiln_missing" does not exist at 127.0.0.1:${new URL(url).port} (create it, or fix the name in KILN_DATABASE_URL)`,
      );
    });

    it('reports the same for kiln doctor, without throwing', async () => {
      expect(await checkDatabase(inject('mysqlUrl'), '/nonexistent/unused.sqlite')).toEqual({ ok: true, description: expect.stringMatching(/^MySQL /) });
      const url = variant((u) => (u.password = 'wrong'));
      expect(await checkDatabase(url, '/nonexistent/unused.sqlite')).toEqual({ ok: false, reason: (await openError(url)).message });
    });
  });

for (const mysql of mysqlRuns)
  describe('migrating MySQL', () => {
    it('applies each migration exactly once when several connections migrate a fresh database at once', async () => {
      const fresh = await mysql.fresh();
      // Separate pools, as separate processes would have; MySQL DDL is not transactional, so only the migration lock (GET_LOCK) keeps them apart.
      const databases = await Promise.all(Array.from({ length: 6 }, () => createDatabase(fresh.options)));
      try {
        const applied = await Promise.all(databases.map((d) => migrateToLatest(d.db)));
        expect(applied.filter((names) => names.length > 0)).toEqual([Object.keys(MIGRATIONS)]);
      } finally {
        await Promise.all(databases.map((d) => d.close()));
        await fresh.cleanup();
      }
    });
  });
