import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KilnApiClient } from '../../api/client/kiln-api-client.js';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import { stageLogKey } from '../../core/artifacts/artifact-keys.js';
import { isProcessGroupAlive } from '../../core/executors/local/process-tree.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { eventually, readPids } from '../support/process-check.js';
import { startTestStack } from '../support/test-stack.js';
import { waitForRun } from './chaos-support.js';

let stack: EmbeddedStack;
let client: KilnApiClient;
const pidDir = mkdtempSync(join(tmpdir(), 'kiln-chaos-pids-'));

beforeAll(async () => {
  ({ stack, client } = await startTestStack('training-kill'));
  await applySpecFile(client, readSpecFile(join(__dirname, '..', 'fixtures', 'sleepy', 'kiln.json')));
});
afterAll(async () => stack?.stop());

describe('the training process killed from outside', () => {
  it.each([0, 1, 2])('with retry_count_limit %i: retried up to the limit, then the run fails as killed, most likely out of memory', async (limit) => {
    const pidFile = join(pidDir, `limit-${limit}.json`);
    const { run_id } = await client.startRun({
      project: 'sleepy',
      cache: false,
      params: { extras: { sleep_seconds: 120, pid_file: pidFile } },
      run_policy: { retry_count_limit: limit },
    });
    const killed = new Set<number>();
    for (let attempt = 1; attempt <= limit + 1; attempt++) {
      // Each attempt rewrites the pid file with its own process.
      expect(
        await eventually(
          () => {
            const p = readPids(pidFile);
            return !!p && !killed.has(p.pid);
          },
          60_000,
          50,
        ),
      ).toBe(true);
      const { pid, pgid } = readPids(pidFile)!;
      killed.add(pid);
      process.kill(pid, 'SIGKILL');
      // The stage ends with its leader: the grandchild it left is killed too.
      expect(await eventually(async () => !(await isProcessGroupAlive(pgid)), 10_000, 50)).toBe(true);
    }
    const run = await waitForRun(client, run_id);
    expect(run.status).toBe('failed');
    expect(run.steps.find((s) => s.step === 'train')?.status).toBe('failed');
    // One stored log per attempt: exactly limit + 1 of them, the last naming its attempt in the reason.
    const logs = await stack.backends.artifacts.list(dirname(stageLogKey(run_id, 'train', 1)));
    expect(logs).toHaveLength(limit + 1);
    expect(run.error).toContain(`attempt ${limit + 1}`);
    expect(run.error).toMatch(/train was killed \(SIGKILL\) by something other than Kiln, most likely the out-of-memory killer/);
    expect(run.failureClass).toBe('out_of_memory');
    expect(killed.size).toBe(limit + 1);
    // The run record keeps every attempt and why it ended: all retried but the last.
    const attempts = run.steps.find((s) => s.step === 'train')?.attempts ?? [];
    expect(attempts.map((a) => [a.attempt, a.status, a.failureClass, a.retried])).toEqual(
      Array.from({ length: limit + 1 }, (_, i) => [i + 1, 'failed', 'out_of_memory', i < limit]),
    );
    expect(attempts.at(-1)?.message).toContain(`counted against retry_count_limit=${limit}: not retried`);
  });
});
