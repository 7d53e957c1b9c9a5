import { readFile } from 'node:fs/promises';

/**
 * Reads how many processes the kernel's out-of-memory killer has killed in this process's
 * memory cgroup (cgroup v2 `memory.events`, v1 `memory.oom_control`). Stage processes share
 * the worker's cgroup, so a rise across a stage that died by SIGKILL confirms the cause.
 * Undefined when the counter cannot be read (not Linux, no cgroup access).
 */
export async function readOomKillCount(): Promise<number | undefined> {
  const membership = await readFile('/proc/self/cgroup', 'utf8').catch(() => '');
  const v2 = /^0::(.*)$/m.exec(membership)?.[1];
  const v1 = /^\d+:(?:[^:]*,)?memory(?:,[^:]*)?:(.*)$/m.exec(membership)?.[1];
  const candidates = [
    v2 !== undefined && `/sys/fs/cgroup${v2 === '/' ? '' : v2}/memory.events`,
    v1 !== undefined && `/sys/fs/cgroup/memory${v1 === '/' ? '' : v1}/memory.oom_control`,
    // Inside a container the cgroup namespace root is what is mounted.
    '/sys/fs/cgroup/memory.events',
    '/sys/fs/cgroup/memory/memory.oom_control',
  ].filter((p): p is string => Boolean(p));
  for (const path of candidates) {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    const count = text && /^oom_kill (\d+)$/m.exec(text)?.[1];
    if (count) return Number(count);
  }
  return undefined;
}
