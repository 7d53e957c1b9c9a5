import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDatabase } from '../../../core/metadata/database.js';
import { migrateToLatest, MIGRATIONS } from '../../../core/metadata/migrate.js';
import { openMetadataStore } from '../../../core/metadata/metadata-store.js';
import { DIALECTS, type DialectFixture } from './dialects.js';
import { projectSpec } from './fixtures.js';

const CHILD = fileURLToPath(new URL('./open-store.child.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Child {
  /** Resolves once the child is waiting for the go signal. */
  ready: Promise<void>;
  go(): void;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Starts open-store.child.ts in its own Node process (TypeScript through tsx). */
function startChild(options: object, tag: string): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(options), tag], { cwd: REPO_ROOT });
  let stdout = '';
  let stderr = '';
  let onReady = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (d) => {
    stdout += d;
    if (stdout.startsWith('ready\n')) onReady();
  });
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      onReady();
      resolve({ code, stdout, stderr });
    });
  });
  return { ready, go: () => child.stdin.write('go\n'), done };
}

async function withFresh<T>(dialect: DialectFixture, body: (options: Awaited<ReturnType<DialectFixture['fresh']>>['options']) => Promise<T>) {
  const fresh = await dialect.fresh();
  try {
    return await body(fresh.options);
  } finally {
    await fresh.cleanup();
  }
}

for (const dialect of DIALECTS) {
  describe(`migrations [${dialect.name}]`, () => {
    it('applies every migration once, then nothing', () =>
      withFresh(dialect, async (options) => {
        const database = await createDatabase(options);
        try {
          expect(await migrateToLatest(database.db)).toEqual(Object.keys(MIGRATIONS));
          expect(await migrateToLatest(database.db)).toEqual([]);
        } finally {
          await database.close();
        }
      }));

    it('reopens an existing store with its data intact', () =>
      withFresh(dialect, async (options) => {
        const first = await openMetadataStore(options);
        await first.projects.upsert(projectSpec('iris'));
        await first.close();
        const second = await openMetadataStore(options);
        try {
          expect((await second.projects.list()).map((p) => p.name)).toEqual(['iris']);
        } finally {
          await second.close();
        }
      }));

    it('lets several processes open the same fresh database at once', () =>
      withFresh(dialect, async (options) => {
        const tags = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
        const children = tags.map((tag) => startChild(options, tag));
        // Released together once all have started, so their migrations really overlap.
        await Promise.all(children.map((c) => c.ready));
        for (const child of children) child.go();
        const results = await Promise.all(children.map((c) => c.done));
        for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
        expect(results.map((r) => JSON.parse(r.stdout.split('\n')[1] ?? '').tag)).toEqual(tags);
        const store = await openMetadataStore(options);
        try {
          expect((await store.projects.list()).map((p) => p.name)).toEqual(tags);
        } finally {
          await store.close();
        }
        // Each migration ran once: a second run would have failed on existing tables or left a second row.
        const database = await createDatabase(options);
        try {
          const applied = await (database.db as unknown as Kysely<any>).selectFrom('kiln_migrations').select('name').execute();
          expect(applied.map((r) => r.name)).toEqual(Object.keys(MIGRATIONS));
        } finally {
          await database.close();
        }
      }));
  });
}

describe('migrations on every dialect', () => {
  it('create the same tables, columns, nullability and defaults', async () => {
    const shapes = new Map<string, unknown>();
    for (const dialect of DIALECTS) {
      await withFresh(dialect, async (options) => {
        const database = await createDatabase(options);
        try {
          await migrateToLatest(database.db);
          const tables = await database.db.introspection.getTables();
          // Kysely's own bookkeeping tables are not ours to compare; MySQL reports NULL as every nullable column's default.
          const shape = tables
            .filter((t) => !t.name.startsWith('kiln_migrations'))
            .map((t) => ({ table: t.name, columns: t.columns.map((c) => `${c.name}${c.isNullable ? '?' : c.hasDefaultValue ? '=' : ''}`) }))
            .sort((a, b) => a.table.localeCompare(b.table));
          shapes.set(dialect.name, shape);
        } finally {
          await database.close();
        }
      });
    }
    const [first, ...rest] = [...shapes.values()];
    expect(first).toContainEqual({ table: 'metrics', columns: ['run_id', 'stage', 'name', 'step=', 'epoch?', 'value', 'recorded_at'] });
    for (const other of rest) expect(other).toEqual(first);
  });
});
