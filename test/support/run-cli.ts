import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { INSTALL_DIR } from '../../core/config.js';

/** Runs the kiln CLI from source against `apiUrl`, asynchronously (the API may live in this very process). */
export function runCli(args: string[], apiUrl: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', join(INSTALL_DIR, 'api', 'cli', 'main.ts'), ...args], { env: { ...process.env, KILN_API_URL: apiUrl } }, (_error, stdout, stderr) =>
      resolve({ status: child.exitCode, stdout, stderr }),
    );
  });
}
