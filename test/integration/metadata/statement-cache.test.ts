import Database from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KilnSqliteDialect } from '../../../core/metadata/sqlite/sqlite-dialect.js';
import { StatementCache } from '../../../core/metadata/sqlite/statement-cache.js';

interface Tables {
  items: { id: number; name: string };
}

describe('StatementCache (better-sqlite3 under Kysely)', () => {
  let sqlite: Database.Database;
  let db: Kysely<Tables> | undefined;
  afterEach(async () => {
    await db?.destroy();
    db = undefined;
  });

  function open(capacity?: number): { cache: StatementCache; prepare: ReturnType<typeof vi.spyOn> } {
    sqlite = new Database(':memory:');
    sqlite.exec('create table items (id integer primary key, name text not null)');
    const prepare = vi.spyOn(sqlite, 'prepare');
    const cache = new StatementCache(sqlite, capacity);
    db = new Kysely<Tables>({ dialect: new KilnSqliteDialect({ database: cache }) });
    return { cache, prepare };
  }

  it('prepares each SQL text once and answers every call with its own parameters', async () => {
    const { prepare } = open();
    for (let id = 1; id <= 5; id++)
      await db!
        .insertInto('items')
        .values({ id, name: `n${id}` })
        .execute();
    const names: string[] = [];
    for (let id = 1; id <= 5; id++) names.push((await db!.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirstOrThrow()).name);
    expect(names).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    // One insert text and one select text, however many calls.
    expect(prepare).toHaveBeenCalledTimes(2);
  });

  it('reuses a statement whose last call failed (a unique key clash) for the next call', async () => {
    const { prepare } = open();
    const insert = (id: number, name: string) => db!.insertInto('items').values({ id, name }).execute();
    await insert(1, 'a');
    await expect(insert(1, 'again')).rejects.toThrow(/UNIQUE constraint failed: items.id/);
    await insert(2, 'b');
    expect(await db!.selectFrom('items').select('name').orderBy('id').execute()).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect(prepare).toHaveBeenCalledTimes(2);
  });

  it('keeps working across a schema change made after the statement was prepared', async () => {
    open();
    await db!.insertInto('items').values({ id: 1, name: 'a' }).execute();
    const all = () => sql<Record<string, unknown>>`select * from items`.execute(db!);
    expect((await all()).rows).toEqual([{ id: 1, name: 'a' }]);
    sqlite.exec("alter table items add column colour text default 'red'");
    expect((await all()).rows).toEqual([{ id: 1, name: 'a', colour: 'red' }]);
  });

  it('gives a statement that is still being iterated a fresh twin instead of reusing it', async () => {
    const { cache } = open();
    await db!
      .insertInto('items')
      .values([
        { id: 1, name: 'a' },
        { id: 2, name: 'b' },
      ])
      .execute();
    const text = 'select name from items order by id';
    const streaming = cache.prepare(text).iterate([]);
    expect(streaming.next().value).toEqual({ name: 'a' });
    const twin = cache.prepare(text);
    expect(twin.all([])).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect(streaming.next().value).toEqual({ name: 'b' });
    streaming.return?.();
    // Once the iteration ended the kept statement is used again.
    expect(cache.prepare(text)).not.toBe(twin);
    expect(cache.prepare(text)).toBe(cache.prepare(text));
  });

  it('keeps at most its capacity, dropping the least recently used text', () => {
    const { cache, prepare } = open(2);
    const a = 'select 1 as v';
    const b = 'select 2 as v';
    const c = 'select 3 as v';
    cache.prepare(a);
    cache.prepare(b);
    cache.prepare(a); // a is now the most recent
    cache.prepare(c); // evicts b
    prepare.mockClear();
    cache.prepare(a);
    cache.prepare(c);
    expect(prepare).not.toHaveBeenCalled();
    cache.prepare(b); // prepared again, and it evicts a: never more than two kept
    expect(prepare).toHaveBeenCalledTimes(1);
    cache.prepare(c);
    cache.prepare(b);
    expect(prepare).toHaveBeenCalledTimes(1);
    cache.prepare(a);
    expect(prepare).toHaveBeenCalledTimes(2);
  });
});
