import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** One-letter state as `ps` shows it: `R`, `S`, `D`, `T`, `Z` (zombie)… */
  state: string;
}

/**
 * Sends `signal` to every process in the group. Returns false when the group no longer
 * exists; other failures (EPERM: the id was reused by someone else's group) throw.
 */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/**
 * The processes whose process group is `pgid`, zombies included. Reads /proc on Linux
 * and asks `ps` elsewhere.
 */
export async function processGroupMembers(pgid: number): Promise<ProcessInfo[]> {
  const all = process.platform === 'linux' ? await processesFromProc() : await processesFromPs();
  return all.filter((p) => p.pgid === pgid).map(({ pid, ppid, state }) => ({ pid, ppid, state }));
}

/**
 * True while some process of the group is still running. Zombies do not count: they are
 * dead and only wait for their parent (for orphans, the init process) to collect them.
 */
export async function isProcessGroupAlive(pgid: number): Promise<boolean> {
  // Cheap test first; only a group that still has entries needs the zombie check.
  if (!signalProcessGroup(pgid, 0)) return false;
  return (await processGroupMembers(pgid)).some((p) => p.state !== 'Z' && p.state !== 'X');
}

/** Polls until the group has no running process; false if `timeoutMs` passes first. */
export async function waitForProcessGroupExit(pgid: number, timeoutMs: number, pollMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await isProcessGroupAlive(pgid))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(pollMs);
  }
}

interface ProcessRow extends ProcessInfo {
  pgid: number;
}

async function processesFromProc(): Promise<ProcessRow[]> {
  const rows: ProcessRow[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    // The process may exit between readdir and read.
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => undefined);
    if (!stat) continue;
    // `pid (comm) state ppid pgrp …`; comm may contain spaces and parentheses, so parse after the last ')'.
    const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    rows.push({ pid: Number(name), ppid: Number(ppid), pgid: Number(pgid), state: state ?? '?' });
  }
  return rows;
}

async function processesFromPs(): Promise<ProcessRow[]> {
  const { stdout } = await promisify(execFile)('ps', ['-A', '-o', 'pid=,ppid=,pgid=,stat=']);
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 4)
    .map(([pid, ppid, pgid, stat]) => ({ pid: Number(pid), ppid: Number(ppid), pgid: Number(pgid), state: stat!.charAt(0) }));
}
