import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { loadConfig, type ConfigOverrides, type KilnConfig } from '../../core/config.js';
import { startEmbeddedStack, type EmbeddedStack } from '../../workers/embedded-stack.js';
import { KilnApiClient } from '../../api/client/kiln-api-client.js';
import { createKilnLog, useKilnLog } from '../../core/logging/kiln-log.js';
import { stoppingItsBuilds } from './orphan-builds.js';

const REPO = join(__dirname, '..', '..');

/**
 * A Kiln stack for one test file: the shared real Temporal dev server, a fresh data
 * directory, its own task queue, a real worker and the HTTP API on a free port.
 */
export async function startTestStack(
  name: string,
  overrides: ConfigOverrides = {},
): Promise<{ stack: EmbeddedStack; client: KilnApiClient; config: KilnConfig }> {
  const config = loadConfig({
    home: mkdtempSync(join(tmpdir(), `kiln-test-${name}-`)),
    temporalAddress: inject('temporalAddress'),
    taskQueue: `kiln-test-${name}-${process.pid}`,
    // Tests copy datasets and sources into temporary directories: those are data roots here.
    dataRoots: [REPO, tmpdir()],
    ...overrides,
  });
  // Stage and request lines would bury the test output: warnings and errors only, unless asked.
  useKilnLog(createKilnLog({ level: config.log.level ?? 'warn' }));
  const stack = stoppingItsBuilds(await startEmbeddedStack(config, { ephemeralApiPort: true }), config.taskQueue);
  return { stack, client: new KilnApiClient(stack.apiUrl!, { token: stack.adminToken }), config };
}
