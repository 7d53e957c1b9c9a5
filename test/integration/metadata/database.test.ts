import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../../../core/errors.js';
import { createDatabase } from '../../../core/metadata/database.js';

describe('createDatabase', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('opens SQLite when no URL is given, creating the file and its directories', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-db-'));
    const path = join(dir, 'a', 'b', 'kiln.sqlite');
    const database = await createDatabase({ sqlitePath: path, url: '  ' });
    try {
      expect(database.dialect).toBe('sqlite');
      expect(existsSync(path)).toBe(true);
      const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(database.db)).rows[0] as object)[0];
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('foreign_keys')).toBe(1);
      expect(await pragma('busy_timeout')).toBe(5000);
    } finally {
      await database.close();
    }
  });

  it.each([
    ['mysql://kiln:s3cret@db:3306/kiln', /MySQL support lands with the scale-out backends/],
    ['postgres://kiln:s3cret@db/kiln', /unsupported database URL scheme "postgres:"/],
    ['kiln.sqlite', /no scheme/],
  ])('refuses %s with BackendUnavailableError, never echoing the URL', async (url, message) => {
    const error = await createDatabase({ url, sqlitePath: '/nonexistent/kiln.sqlite' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error).toMatchObject({ backend: 'database', message });
    expect((error as Error).message).not.toContain('s3cret');
  });
});
