import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../../../core/errors.js';
import { checkDatabase } from '../../../core/metadata/check-database.js';
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
    ['postgres://kiln:s3cret@db/kiln', /unsupported database URL scheme "postgres:"/],
    ['kiln.sqlite', /no scheme/],
    ['mysql://kiln:s3cret@db.invalid:3306/kiln', /^database: cannot reach MySQL at db\.invalid:3306 \(host (not found|name lookup failed)\)$/],
    ['mysql://kiln:s3cret@127.0.0.1:3306', /^database: the database URL names no database/],
    ['mysql://:s3cret@127.0.0.1:3306/kiln', /^database: the database URL names no user/],
    ['mysql://kiln:s3cret@127.0.0.1:3306/kiln?ssl=true', /^database: the database URL has query parameters/],
  ])('refuses %s with BackendUnavailableError, never echoing the URL', async (url, message) => {
    const error = await createDatabase({ url, sqlitePath: '/nonexistent/kiln.sqlite' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error).toMatchObject({ backend: 'database' });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('s3cret');
  });
});

describe('checkDatabase [sqlite]', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports a missing file as created on first start, without creating it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-db-'));
    const path = join(dir, 'kiln.sqlite');
    expect(await checkDatabase(undefined, path)).toEqual({ ok: true, description: `SQLite at ${path} (created on first start)` });
    expect(existsSync(path)).toBe(false);
  });

  it('opens an existing file and names the SQLite version', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-db-'));
    const path = join(dir, 'kiln.sqlite');
    await (await createDatabase({ sqlitePath: path })).close();
    expect(await checkDatabase('', path)).toEqual({ ok: true, description: expect.stringMatching(/^SQLite 3\.\d+\.\d+ at /) });
  });

  it('gives the one-line reason for a URL it cannot use', async () => {
    expect(await checkDatabase('postgres://kiln:s3cret@db/kiln', '/nonexistent')).toEqual({
      ok: false,
      reason: expect.stringMatching(/^database: unsupported database URL scheme/),
    });
  });
});
