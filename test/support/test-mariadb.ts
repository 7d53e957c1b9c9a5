import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `mysql://kiln:…@127.0.0.1:<port>/kiln`; the kiln user may create databases named `kiln…`. Unset when KILN_TEST_DIALECTS leaves MySQL out. */
    mysqlUrl: string | undefined;
  }
}

const SCRIPT = fileURLToPath(new URL('../../scripts/mariadb.sh', import.meta.url));
const run = promisify(execFile);

/**
 * Provides `mysqlUrl` to the tests: KILN_TEST_MYSQL_URL when set (a server you keep running,
 * e.g. from `scripts/mariadb.sh start`), otherwise a private MariaDB started for this test run
 * in its own services directory, so concurrent test runs never stop each other's server.
 * Never skips: if MariaDB cannot start, the run fails with the script's reason.
 * Returns the teardown.
 */
export async function provideTestMariadb(project: TestProject): Promise<() => Promise<void>> {
  const dialects = process.env.KILN_TEST_DIALECTS?.split(',').map((s) => s.trim());
  if (dialects && !dialects.includes('mysql')) {
    project.provide('mysqlUrl', undefined);
    return async () => {};
  }
  const external = process.env.KILN_TEST_MYSQL_URL?.trim();
  if (external) {
    project.provide('mysqlUrl', external);
    return async () => {};
  }
  const services = mkdtempSync(join(tmpdir(), 'kiln-test-services-'));
  const env = { ...process.env, KILN_SERVICES_DIR: services };
  try {
    const { stdout } = await run('bash', [SCRIPT, 'start'], { env, timeout: 300_000 });
    project.provide('mysqlUrl', stdout.trim());
  } catch (error) {
    await run('bash', [SCRIPT, 'stop'], { env }).catch(() => undefined);
    rmSync(services, { recursive: true, force: true });
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`MariaDB for the MySQL tests did not start: ${stderr || (error as Error).message}`, { cause: error });
  }
  return async () => {
    await run('bash', [SCRIPT, 'stop'], { env });
    rmSync(services, { recursive: true, force: true });
  };
}

/** As a vitest globalSetup (vitest.config.ts lists one per service a project needs). */
export default provideTestMariadb;
