import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pidScope, thisProcessHost, type ProcessHost } from './process-host.js';
import { signalProcessGroup, waitForProcessGroupExit } from './process-tree.js';

/** One running stage's process group, as recorded in `<dir>/<pgid>.json` while it runs. */
export interface RunningGroupRecord {
  pgid: number;
  /** The worker process that started the group; the group is orphaned once it is gone. */
  ownerPid: number;
  /** The stage's spec id, `<runId>/<stage>/<attempt>`. */
  stageId: string;
  startedAt: string;
  /** Where `pgid` and `ownerPid` are valid; filled in by recordRunningGroup. Absent in records of older versions. */
  host?: ProcessHost;
}

/**
 * Records a group synchronously, so it is on disk before the worker can die having started it.
 * Stage groups are detached (their own session), so a SIGKILLed worker leaves them running:
 * the record is how the next worker on this machine finds and kills them.
 */
export function recordRunningGroup(dir: string, record: RunningGroupRecord): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${record.pgid}.json`), JSON.stringify({ ...record, host: thisProcessHost() }));
}

export function forgetRunningGroup(dir: string, pgid: number): void {
  rmSync(join(dir, `${pgid}.json`), { force: true });
}

/**
 * Kills (SIGKILL) every recorded group whose owner process is dead and removes its record;
 * groups of live owners are left alone. Only pids recorded on this host since its last boot are
 * ever signalled: a record from before a reboot is reaped without a signal (its processes died
 * with the boot), one from another host (a shared data directory) is left to that host, and one
 * that names no host (an older version's) is reaped without a signal once its owner pid is gone.
 * Returns the records of the groups it reaped.
 */
export async function reapOrphanedGroups(dir: string, waitMs = 2_000): Promise<RunningGroupRecord[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const reaped: RunningGroupRecord[] = [];
  for (const name of names.filter((n) => /^\d+\.json$/.test(n))) {
    const file = join(dir, name);
    const record = await readFile(file, 'utf8')
      .then((text) => JSON.parse(text) as RunningGroupRecord)
      .catch(() => undefined);
    if (!record) continue;
    const scope = pidScope(record.host);
    if (scope === 'other-host') continue;
    if (scope !== 'earlier-boot' && isProcessAlive(record.ownerPid)) continue;
    try {
      if (scope === 'this-boot' && signalProcessGroup(record.pgid, 'SIGKILL')) await waitForProcessGroupExit(record.pgid, waitMs);
    } catch {
      // EPERM: the group id now belongs to another user's processes; ours are long gone.
    }
    await rm(file, { force: true });
    reaped.push(record);
  }
  return reaped;
}

/** True while `pid` exists (a zombie counts: its parent has not noticed yet, so it did not own anything new). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
