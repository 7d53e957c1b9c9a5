import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KilnApiClient } from '../../api/client/kiln-api-client.js';
import type { KilnConfig } from '../../core/config.js';
import { isProcessGroupAlive } from '../../core/executors/local/process-tree.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { eventually, isAlive, readPids } from '../support/process-check.js';
import { recordedGroups, startApiOnly, waitForRun, WorkerProcess } from './chaos-support.js';

let stack: EmbeddedStack;
let client: KilnApiClient;
let config: KilnConfig;
let worker: WorkerProcess | undefined;
const pidDir = mkdtempSync(join(tmpdir(), 'kiln-chaos-watchdog-'));

beforeAll(async () => {
  ({ stack, client, config } = await startApiOnly('orphan-watchdog', 'sleepy'));
  worker = await WorkerProcess.start(config);
});
afterAll(async () => {
  worker?.child.kill('SIGKILL');
  await stack?.stop();
});

describe('a stage whose worker is SIGKILLed', () => {
  it('a silent stage and its grandchild die with it, before any new worker starts; the lost attempt is then retried on the new worker without using up retry_count_limit 0', async () => {
    const pidFile = join(pidDir, 'silent.json');
    // Silent: it writes nothing after its first line, so no broken pipe would ever stop it.
    const { run_id } = await client.startRun({
      project: 'sleepy',
      cache: false,
      params: { extras: { sleep_seconds: 120, pid_file: pidFile } },
      run_policy: { retry_count_limit: 0 },
    });
    expect(await eventually(() => readPids(pidFile) !== undefined, 60_000, 50)).toBe(true);
    const pids = readPids(pidFile)!;
    expect(recordedGroups(config.home).map((g) => g.pgid)).toContain(pids.pgid);

    worker!.child.kill('SIGKILL');
    await worker!.exited;
    expect(await eventually(async () => !(await isProcessGroupAlive(pids.pgid)), 3_000, 50)).toBe(true);
    expect(isAlive(pids.child)).toBe(false);

    // The next worker removes the dead group's record and fails the abandoned attempt, which
    // Temporal retries there: a lost worker is the platform's failure, not the stage's.
    worker = await WorkerProcess.start(config);
    expect(
      await eventually(
        () => {
          const p = readPids(pidFile);
          return !!p && p.pid !== pids.pid;
        },
        30_000,
        50,
      ),
    ).toBe(true);
    await client.cancelRun(run_id);
    const run = await waitForRun(client, run_id, 30_000);
    expect(run.status).toBe('cancelled');
    const attempts = run.steps.find((s) => s.step === 'train')?.attempts ?? [];
    expect(attempts.map((a) => [a.attempt, a.status, a.failureClass ?? null, a.retried])).toEqual([
      [1, 'failed', 'lost_worker', true],
      [2, 'cancelled', null, false],
    ]);
    expect(attempts[0]?.message).toMatch(/died/);
  });
});
