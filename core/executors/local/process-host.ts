import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Where a recorded process id means something: one machine (its host name; a pod's name in a
 * container) since one boot (the kernel's boot id). A pid recorded anywhere else names some
 * unrelated process, or none, and must never be signalled.
 */
export interface ProcessHost {
  host: string;
  /** `/proc/sys/kernel/random/boot_id`; absent where the kernel has none (macOS). */
  bootId?: string;
}

/**
 * Whose pid a record holds, seen from here: `this-boot` (signal it if it is ours), `earlier-boot`
 * (this machine rebooted since: every process it names is gone), `other-host` (another machine
 * sharing the data directory or database: leave it to that machine), `unknown` (a record written
 * before hosts were recorded: never signalled).
 */
export type PidScope = 'this-boot' | 'earlier-boot' | 'other-host' | 'unknown';

let here: ProcessHost | undefined;

/** This process's host and boot, read once. */
export function thisProcessHost(): ProcessHost {
  here ??= Object.freeze({ host: hostname(), ...bootId() });
  return here;
}

export function pidScope(recorded: ProcessHost | undefined, current: ProcessHost = thisProcessHost()): PidScope {
  if (!recorded || typeof recorded.host !== 'string') return 'unknown';
  if (recorded.host !== current.host) return 'other-host';
  if (recorded.bootId && current.bootId && recorded.bootId !== current.bootId) return 'earlier-boot';
  return 'this-boot';
}

function bootId(): { bootId?: string } {
  try {
    const id = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return id ? { bootId: id } : {};
  } catch {
    return {};
  }
}
