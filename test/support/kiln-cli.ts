import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { inject } from 'vitest';
import { KilnApiClient } from '../../api/client/kiln-api-client.js';
import { INSTALL_DIR } from '../../core/config.js';

/** A running `kiln up` as its banner and data directory tell it (test/support/test-kiln-up.ts). */
export interface KilnUp {
  apiUrl: string;
  /** Its data directory (KILN_HOME). */
  home: string;
  /** The admin token it wrote into the data directory on first start. */
  adminToken: string;
  /** A token of user:vera, who holds the viewer role. */
  viewerToken: string;
  webUiUrl: string;
  temporalAddress: string;
  taskQueue: string;
  /** Its output, saved with the test results. */
  logFile: string;
}

/**
 * Runs the built `kiln` CLI (bin/kiln.js) against `up` as a person on that machine does: with its
 * data directory as KILN_HOME, so the CLI uses the admin token there. Resolves to stdout; a
 * non-zero exit rejects with stderr.
 */
export function kilnCli(up: Pick<KilnUp, 'apiUrl' | 'home'>, args: string[]): Promise<string> {
  const { KILN_TOKEN: _unset, ...env } = process.env;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(INSTALL_DIR, 'bin', 'kiln.js'), ...args],
      // No `kiln login` of this machine's user may stand in for the data directory's admin token.
      { env: { ...env, KILN_API_URL: up.apiUrl, KILN_HOME: up.home, KILN_CREDENTIALS_FILE: join(up.home, 'no-login.json') } },
      (error, stdout, stderr) => (error ? reject(new Error(`kiln ${args.join(' ')}: ${error.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

/** The browser project's shared `kiln up` and an admin client of its API. */
export function sharedKilnUp(): { up: KilnUp; client: KilnApiClient } {
  const up = inject('kilnUp');
  return { up, client: new KilnApiClient(up.apiUrl, { token: up.adminToken }) };
}
