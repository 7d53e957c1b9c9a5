import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pidScope, thisProcessHost, type ProcessHost } from '../../../core/executors/local/process-host.js';
import { isProcessGroupAlive, signalProcessGroup } from '../../../core/executors/local/process-tree.js';
import { reapOrphanedGroups, type RunningGroupRecord } from '../../../core/executors/local/running-groups.js';
import { recordServerOwner, stopOwnedModelServer } from '../../../core/serving/local-model-server.js';
import { failAbandonedActivities, type InFlightActivityRecord } from '../../../workers/in-flight-activities.js';

const here = thisProcessHost();
const otherHost: ProcessHost = { host: `${here.host}-elsewhere`, bootId: here.bootId };
const earlierBoot: ProcessHost = { host: here.host, bootId: '00000000-0000-0000-0000-000000000000' };
const dirs: string[] = [];
const groups: number[] = [];
afterAll(() => {
  groups.forEach((pgid) => signalProcessGroup(pgid, 'SIGKILL'));
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-pids-'));
  dirs.push(dir);
  return dir;
};
const deadPid = (): number => spawnSync('true').pid!;
function detachedSleep(): number {
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  child.unref();
  groups.push(child.pid!);
  return child.pid!;
}

describe('pidScope', () => {
  it.each([
    ['this host and boot', here, 'this-boot'],
    ['this host before its last boot', earlierBoot, 'earlier-boot'],
    ['another host', otherHost, 'other-host'],
    ['another host and boot', { host: 'x', bootId: 'y' }, 'other-host'],
    ['no host (a record of an older version)', undefined, 'unknown'],
  ] as const)('a pid recorded on %s is %s', (_label, recorded, scope) => {
    expect(pidScope(recorded, here)).toBe(scope);
  });

  it('reads the boot id from the kernel where there is one', () => {
    if (existsSync('/proc/sys/kernel/random/boot_id')) expect(here.bootId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('reaping stage groups of dead workers', () => {
  const record = (dir: string, pgid: number, ownerPid: number, host: ProcessHost | undefined) => {
    const r: RunningGroupRecord = { pgid, ownerPid, stageId: `r/train/${pgid}`, startedAt: new Date().toISOString(), ...(host ? { host } : {}) };
    writeFileSync(join(dir, `${pgid}.json`), JSON.stringify(r));
  };

  it('never signals a group recorded on another host, and leaves its record to that host', async () => {
    const dir = tempDir();
    const group = detachedSleep();
    record(dir, group, deadPid(), otherHost);
    expect(await reapOrphanedGroups(dir, 200)).toEqual([]);
    expect(await isProcessGroupAlive(group)).toBe(true);
    expect(existsSync(join(dir, `${group}.json`))).toBe(true);
  });

  it('reaps a record from before the last boot without signalling its pid, whatever now holds it', async () => {
    const dir = tempDir();
    const group = detachedSleep();
    // Even a live "owner": after a reboot the pid belongs to someone else.
    record(dir, group, process.pid, earlierBoot);
    expect((await reapOrphanedGroups(dir, 200)).map((r) => r.pgid)).toEqual([group]);
    expect(await isProcessGroupAlive(group)).toBe(true);
    expect(existsSync(join(dir, `${group}.json`))).toBe(false);
  });

  it('reaps a record that names no host without signalling it, once its owner pid is gone', async () => {
    const dir = tempDir();
    const group = detachedSleep();
    record(dir, group, deadPid(), undefined);
    expect((await reapOrphanedGroups(dir, 200)).map((r) => r.pgid)).toEqual([group]);
    expect(await isProcessGroupAlive(group)).toBe(true);
  });

  it('still kills the group of a dead worker of this host and boot', async () => {
    const dir = tempDir();
    const group = detachedSleep();
    record(dir, group, deadPid(), here);
    expect((await reapOrphanedGroups(dir, 2_000)).map((r) => r.pgid)).toEqual([group]);
    expect(await isProcessGroupAlive(group)).toBe(false);
  });
});

describe('failing the activity attempts of dead workers', () => {
  it('leaves attempts recorded on another host alone, and fails those from before the last boot', async () => {
    const dir = tempDir();
    const record = (ownerPid: number, token: string, host: ProcessHost): InFlightActivityRecord => ({
      ownerPid,
      workflowId: 'wf',
      activityId: '1',
      activityType: 'runStage',
      attempt: 1,
      taskToken: Buffer.from(token).toString('base64'),
      host,
    });
    writeFileSync(join(dir, 'elsewhere.json'), JSON.stringify(record(deadPid(), 'elsewhere', otherHost)));
    writeFileSync(join(dir, 'rebooted.json'), JSON.stringify(record(process.pid, 'rebooted', earlierBoot)));
    writeFileSync(join(dir, 'live.json'), JSON.stringify(record(process.pid, 'live', here)));
    const failed: string[] = [];
    await failAbandonedActivities(dir, async (token) => void failed.push(Buffer.from(token).toString()));
    expect(failed).toEqual(['rebooted']);
    expect(existsSync(join(dir, 'elsewhere.json'))).toBe(true);
    expect(existsSync(join(dir, 'live.json'))).toBe(true);
  });
});

describe('stopping a local model server named by the registry', () => {
  it('signals the pid only when this host started it since its last boot', async () => {
    const dir = tempDir();
    const server = detachedSleep();
    expect(stopOwnedModelServer(dir, server), 'no server.json: not ours').toBe(false);
    writeFileSync(join(dir, 'server.json'), JSON.stringify({ pid: server, host: otherHost }));
    expect(stopOwnedModelServer(dir, server), 'recorded on another host').toBe(false);
    writeFileSync(join(dir, 'server.json'), JSON.stringify({ pid: server, host: earlierBoot }));
    expect(stopOwnedModelServer(dir, server), 'recorded before the last boot').toBe(false);
    recordServerOwner(dir, server);
    expect(stopOwnedModelServer(dir, server + 1), 'another pid than the one started here').toBe(false);
    expect(await isProcessGroupAlive(server)).toBe(true);
    expect(stopOwnedModelServer(dir, server)).toBe(true);
    const deadline = Date.now() + 2_000;
    while ((await isProcessGroupAlive(server)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await isProcessGroupAlive(server)).toBe(false);
  });
});
