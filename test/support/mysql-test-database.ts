import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';

/**
 * A fresh, empty database on the test server for one test: `kiln_test_<random>`, created with
 * the server URL's credentials (their user may create `kiln…` databases). Returns its URL and
 * how to drop it.
 */
export async function createMysqlTestDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `kiln_test_${randomBytes(6).toString('hex')}`;
  await withConnection(serverUrl, (c) => c.query(`create database \`${name}\``));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withConnection(serverUrl, (c) => c.query(`drop database if exists \`${name}\``)),
  };
}

async function withConnection(url: string, body: (connection: Awaited<ReturnType<typeof createConnection>>) => Promise<unknown>): Promise<void> {
  const connection = await createConnection(url);
  try {
    await body(connection);
  } finally {
    await connection.end();
  }
}
