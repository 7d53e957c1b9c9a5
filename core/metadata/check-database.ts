import { existsSync } from 'node:fs';
import { BackendUnavailableError } from '../errors.js';
import { createDatabase } from './database.js';

export type DatabaseCheck = { ok: true; description: string } | { ok: false; reason: string };

/**
 * For `kiln doctor`: can the configured metadata database be opened? Connects (MySQL) or opens
 * the file (SQLite, only when it exists: a check must not create it), runs one query, closes.
 * The reason is the same one line a service prints when it refuses to start.
 */
export async function checkDatabase(url: string | undefined, sqlitePath: string): Promise<DatabaseCheck> {
  if (!url?.trim() && !existsSync(sqlitePath)) return { ok: true, description: `SQLite at ${sqlitePath} (created on first start)` };
  try {
    const database = await createDatabase({ url, sqlitePath });
    await database.close();
    return { ok: true, description: database.description };
  } catch (error) {
    if (error instanceof BackendUnavailableError) return { ok: false, reason: error.message };
    return { ok: false, reason: `database: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
}
