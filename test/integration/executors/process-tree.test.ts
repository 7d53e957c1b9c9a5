import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isProcessGroupAlive, processGroupMembers, signalProcessGroup, waitForProcessGroupExit } from '../../../core/executors/local/process-tree.js';

function startGroup(script: string) {
  const child = spawn('bash', ['-c', script], { detached: true, stdio: 'ignore' });
  return { child, pgid: child.pid! };
}

describe('process-tree', () => {
  it('sees a running group, then not once it is killed', async () => {
    const { child, pgid } = startGroup('sleep 300 & sleep 300 & wait');
    try {
      expect(await isProcessGroupAlive(pgid)).toBe(true);
      expect(signalProcessGroup(pgid, 'SIGKILL')).toBe(true);
      await once(child, 'exit');
      expect(await waitForProcessGroupExit(pgid, 2000)).toBe(true);
      expect(await isProcessGroupAlive(pgid)).toBe(false);
    } finally {
      signalProcessGroup(pgid, 'SIGKILL');
    }
  }, 10_000);

  it('lists zombies as members but does not count them as alive', async () => {
    // The short sleep exits after bash has exec'd into the long one, which never reaps it: a
    // zombie. (With `true`, bash could reap it before the exec on a loaded machine.)
    const { child, pgid } = startGroup('sleep 1 & exec sleep 300');
    try {
      // Generous: on a loaded machine bash may take a while to fork, exit and exec.
      await expect.poll(async () => (await processGroupMembers(pgid)).map((p) => p.state).sort(), { timeout: 10_000 }).toEqual(['S', 'Z']);
      expect(await isProcessGroupAlive(pgid)).toBe(true);
      process.kill(pgid, 'SIGSTOP');
      await expect.poll(async () => (await processGroupMembers(pgid)).map((p) => p.state).sort(), { timeout: 10_000 }).toEqual(['T', 'Z']);
      expect(await isProcessGroupAlive(pgid)).toBe(true);
    } finally {
      signalProcessGroup(pgid, 'SIGKILL');
      await once(child, 'exit');
    }
  }, 30_000);

  it('reports a group that does not exist', async () => {
    // Pid 2^22 - 1 is above Linux's default pid_max, so no such group exists.
    expect(signalProcessGroup(4_194_303, 0)).toBe(false);
    expect(await isProcessGroupAlive(4_194_303)).toBe(false);
  });
});
