import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface RecordedPids {
  pid: number;
  child: number;
  pgid: number;
}

/** The pids a fixture recorded; undefined until the file exists and is whole (the fixture may be mid-write). */
export function readPids(file: string): RecordedPids | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RecordedPids;
  } catch {
    return undefined;
  }
}

/** True while the process exists and is not a zombie (exited, waiting to be reaped). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Polls until `check` holds or the deadline passes; returns whether it held. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return check();
}

export interface ProcessEntry {
  pid: number;
  command: string;
}

/** Every process now running: pid, parent pid and command line (from /proc). */
function processTable(): (ProcessEntry & { ppid: number })[] {
  const table: (ProcessEntry & { ppid: number })[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const command = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      table.push({ pid: Number(name), ppid, command });
    } catch {
      // Gone between the listing and the read.
    }
  }
  return table;
}

/**
 * The live processes of a Kiln stack: descendants of `root` (when given), and any process whose
 * command line names the stack's data directory `home` (a server that left its parent's tree).
 */
export function kilnProcesses(root: number | undefined, home: string): ProcessEntry[] {
  const table = processTable().filter((p) => isAlive(p.pid) && p.pid !== process.pid);
  const found = new Map<number, ProcessEntry>();
  const children = (pid: number) => table.filter((p) => p.ppid === pid);
  const walk = (pid: number) => {
    for (const child of children(pid)) {
      found.set(child.pid, { pid: child.pid, command: child.command });
      walk(child.pid);
    }
  };
  if (root !== undefined) walk(root);
  for (const p of table) if (p.pid !== root && p.command.includes(home)) found.set(p.pid, { pid: p.pid, command: p.command });
  return [...found.values()];
}
