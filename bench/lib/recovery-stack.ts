import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KilnApiClient } from '../../api/client/kiln-api-client.js';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import { ENV_NAMES, loadConfig, type KilnConfig } from '../../core/config.js';
import { freePort } from '../../core/net/free-port.js';
import { startEmbeddedStack, type EmbeddedStack } from '../../workers/embedded-stack.js';
import { ROOT } from './bench-stack.js';

export const CHECKPOINTING_SPEC = join(ROOT, 'test', 'fixtures', 'checkpointing', 'kiln.json');

export interface RecoveryStack {
  /** Points at the stack's own Temporal dev server, for worker processes to join. */
  config: KilnConfig;
  stack: EmbeddedStack;
  client: KilnApiClient;
  dispose(): Promise<void>;
}

/**
 * A private Temporal dev server and the HTTP API on a fresh data directory, with no worker:
 * workers run as separate processes the benchmark can kill. The checkpointing trainer is applied.
 */
export async function startRecoveryStack(): Promise<RecoveryStack> {
  const home = mkdtempSync(join(tmpdir(), 'kiln-bench-recovery-'));
  const env = { ...process.env };
  delete env[ENV_NAMES.temporalAddress];
  const base = loadConfig(
    { home, temporalAddress: undefined, temporalPort: await freePort(), temporalUiPort: await freePort(), taskQueue: 'kiln-bench-recovery' },
    env,
  );
  const stack = await startEmbeddedStack(base, { worker: false, ephemeralApiPort: true }).catch((error: unknown) => {
    rmSync(home, { recursive: true, force: true });
    throw error;
  });
  const dispose = async () => {
    try {
      await stack.stop();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  };
  const client = new KilnApiClient(stack.apiUrl!, { token: stack.adminToken });
  await applySpecFile(client, readSpecFile(CHECKPOINTING_SPEC)).catch(async (error: unknown) => {
    await dispose();
    throw error;
  });
  return { config: { ...base, temporalAddress: stack.temporalAddress }, stack, client, dispose };
}
