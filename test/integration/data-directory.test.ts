import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { openBackends } from '../../workers/open-backends.js';

const parent = mkdtempSync(join(tmpdir(), 'kiln-data-dir-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('the data directory', () => {
  it('is created readable by its owner only (0700), parents included', async () => {
    const home = join(parent, 'nested', '.kiln');
    // The defaults: SQLite and the filesystem store inside the data directory, stages on this machine.
    const backends = await openBackends({ ...loadConfig({ home }), databaseUrl: undefined, artifactsUrl: undefined, executor: 'local' });
    await backends.close();
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(statSync(join(parent, 'nested')).mode & 0o777).toBe(0o700);
  });
});
