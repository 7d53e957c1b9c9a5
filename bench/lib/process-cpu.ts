import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ on Linux: /proc counts CPU time in hundredths of a second. */
const TICKS_PER_SECOND = 100;

/** CPU seconds so far (user + system) of process `pid`, from /proc; throws if it is gone. */
export function cpuSecondsOfPid(pid: number | string): number {
  // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name): utime and stime.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/**
 * CPU seconds so far (user + system) of the processes whose command line mentions `marker`: the
 * bench stack's Temporal dev server, whose command line names the stack's data directory.
 */
export function cpuSecondsOf(marker: string): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) total += cpuSecondsOfPid(pid);
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}
