import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isProcessGroupAlive, signalProcessGroup } from '../../core/executors/local/process-tree.js';
import { recordRunningGroup, reapOrphanedGroups } from '../../core/executors/local/running-groups.js';
import { failAbandonedActivities, type InFlightActivityRecord } from '../../workers/in-flight-activities.js';

// A pid that surely belonged to a process that has exited.
const deadPid = (): number => spawnSync('true').pid!;
const groups: number[] = [];
afterAll(() => groups.forEach((pgid) => signalProcessGroup(pgid, 'SIGKILL')));

function detachedSleep(): number {
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  child.unref();
  groups.push(child.pid!);
  return child.pid!;
}

describe('a worker starting after another died', () => {
  it('kills the recorded stage groups of dead workers and leaves those of live ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-running-'));
    const orphan = detachedSleep();
    const owned = detachedSleep();
    recordRunningGroup(dir, { pgid: orphan, ownerPid: deadPid(), stageId: 'r/train/1', startedAt: new Date().toISOString() });
    recordRunningGroup(dir, { pgid: owned, ownerPid: process.pid, stageId: 'r/train/2', startedAt: new Date().toISOString() });

    const reaped = await reapOrphanedGroups(dir);

    expect(reaped.map((r) => r.pgid)).toEqual([orphan]);
    expect(await isProcessGroupAlive(orphan)).toBe(false);
    expect(existsSync(join(dir, `${orphan}.json`))).toBe(false);
    expect(await isProcessGroupAlive(owned)).toBe(true);
    expect(existsSync(join(dir, `${owned}.json`))).toBe(true);
  });

  it('fails the in-flight activity attempts of dead workers for retry, by task token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-activities-'));
    const record = (ownerPid: number, token: string): InFlightActivityRecord => ({
      ownerPid,
      workflowId: 'wf',
      activityId: '1',
      activityType: 'runStage',
      attempt: 1,
      taskToken: Buffer.from(token).toString('base64'),
    });
    writeFileSync(join(dir, 'dead.json'), JSON.stringify(record(deadPid(), 'dead-token')));
    writeFileSync(join(dir, 'live.json'), JSON.stringify(record(process.pid, 'live-token')));
    const failed: { token: string; type: string | null | undefined }[] = [];

    await failAbandonedActivities(dir, async (token, error) => void failed.push({ token: Buffer.from(token).toString(), type: error.type }));

    expect(failed).toEqual([{ token: 'dead-token', type: 'WorkerLost' }]);
    expect(existsSync(join(dir, 'dead.json'))).toBe(false);
    expect(existsSync(join(dir, 'live.json'))).toBe(true);
  });
});
