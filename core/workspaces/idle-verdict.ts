export interface IdleFacts {
  /** The workflow's clock (epoch ms). */
  now: number;
  /** When the server started. */
  runningSince: number;
  alive: boolean;
  /** The server's last user activity; null: unknown (counts from the start). */
  lastActivityMs: number | null;
  idleTimeoutMs: number;
  maxLifetimeMs?: number;
}

/** `90s`, `2m`, `1h`: how the verdict names a duration. */
function describeMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

/** Why a running workspace should stop now, or null to keep it. Pure (no imports): the workspace workflow calls it. */
export function idleVerdict(facts: IdleFacts): string | null {
  if (!facts.alive) return 'the server exited';
  if (facts.maxLifetimeMs !== undefined && facts.now - facts.runningSince >= facts.maxLifetimeMs) {
    return `max_lifetime ${describeMs(facts.maxLifetimeMs)} reached`;
  }
  // Activity before this start (a restart keeps JupyterLab's clock) does not count against the new run.
  const lastSeen = Math.max(facts.runningSince, facts.lastActivityMs ?? facts.runningSince);
  if (facts.now - lastSeen >= facts.idleTimeoutMs) return `idle for ${describeMs(facts.idleTimeoutMs)} (idle_timeout)`;
  return null;
}
