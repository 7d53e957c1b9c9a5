import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Starts a test service whose state lives in a fresh temporary directory; returns its teardown,
 * which stops it and removes the directory. A service that fails to start leaves no directory.
 */
export async function serviceInTempDir(prefix: string, start: (dir: string) => Promise<{ stop(): Promise<void> }>): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    const service = await start(dir);
    return async () => {
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
