import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { INSTALL_DIR } from '../../core/config.js';

/**
 * Runs the kiln CLI from source against `apiUrl`, asynchronously (the API may live in this very
 * process). With the stack's data directory as KILN_HOME it sends the admin token, as a local user's CLI does.
 */
export function runCli(args: string[], apiUrl: string, home: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const { KILN_TOKEN: _unset, ...env } = process.env;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', join(INSTALL_DIR, 'api', 'cli', 'main.ts'), ...args],
      { env: { ...env, KILN_API_URL: apiUrl, KILN_HOME: home } },
      (_error, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }),
    );
  });
}
