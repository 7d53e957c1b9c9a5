import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds so far (user + system) of the processes whose command line mentions `marker`: the
 * bench stack's Temporal dev server, whose command line names the stack's data directory.
 */
export function cpuSecondsOf(marker: string): number {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / tick;
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}
