import { readFileSync, existsSync } from 'node:fs';

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
