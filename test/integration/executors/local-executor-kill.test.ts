import { getEventListeners } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalExecutor } from '../../../core/executors/local/local-executor.js';
import { isProcessGroupAlive } from '../../../core/executors/local/process-tree.js';
import { RecordingObserver, leftovers, stageSpec } from './local-executor-helpers.js';

const TEST_TIMEOUT = 10_000;
const executor = new LocalExecutor({ killGraceMs: 300 });
// Two background sleeps, one of them a grandchild inside a subshell; each prints its pid.
const FAMILY = '( sleep 300 & echo $!; wait ) & sleep 300 & echo $!; wait';

describe('LocalExecutor timeout', () => {
  it(
    'kills the whole group, grandchildren included, and sets timedOut',
    async () => {
      const observer = new RecordingObserver();
      const before = Date.now();
      const controller = new AbortController();
      const exit = await executor.run(stageSpec(['bash', '-c', FAMILY], { timeoutMs: 500, signal: controller.signal }), observer);
      expect(Date.now() - before).toBeGreaterThanOrEqual(450);
      expect(Date.now() - before).toBeLessThan(5000);
      expect(exit).toMatchObject({ exitCode: null, signal: 'SIGTERM', timedOut: true, cancelled: false });
      expect(observer.stdout).toHaveLength(2);
      expect(await leftovers(observer.pid)).toEqual([]);
      expect(await isProcessGroupAlive(observer.pid)).toBe(false);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    },
    TEST_TIMEOUT,
  );

  it(
    'escalates to SIGKILL after the grace period when SIGTERM is ignored',
    async () => {
      const observer = new RecordingObserver();
      const before = Date.now();
      const spec = stageSpec(['bash', '-c', `trap "" TERM; ${FAMILY}`], { timeoutMs: 300 });
      const exit = await executor.run(spec, observer);
      expect(Date.now() - before).toBeGreaterThanOrEqual(550);
      expect(exit).toMatchObject({ exitCode: null, signal: 'SIGKILL', timedOut: true });
      expect(await leftovers(observer.pid)).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});

describe('LocalExecutor cancel', () => {
  it(
    'kills the running group on abort, sets cancelled and removes its listener',
    async () => {
      const controller = new AbortController();
      const observer = new RecordingObserver();
      const running = executor.run(stageSpec(['bash', '-c', FAMILY], { signal: controller.signal }), observer);
      await observer.stdoutLines(2);
      const grandchildren = observer.stdout.map(Number);
      // Control: the processes this test expects to die are really there first.
      const alive = (await leftovers(observer.pid)).map((p) => p.pid);
      expect(alive).toEqual(expect.arrayContaining([observer.pid, ...grandchildren]));

      const abortedAt = Date.now();
      controller.abort();
      const exit = await running;
      expect(Date.now() - abortedAt).toBeLessThan(3000);
      expect(exit).toMatchObject({ exitCode: null, signal: 'SIGTERM', timedOut: false, cancelled: true });
      expect(await leftovers(observer.pid)).toEqual([]);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    },
    TEST_TIMEOUT,
  );

  it(
    'never starts a stage whose signal is already aborted',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'kiln-exec-'));
      try {
        const observer = new RecordingObserver();
        const spec = stageSpec(['touch', 'started'], { workingDirectory: dir, signal: AbortSignal.abort() });
        const exit = await executor.run(spec, observer);
        expect(exit).toMatchObject({ exitCode: null, signal: null, cancelled: true, timedOut: false, durationMs: 0 });
        expect(observer.starts).toEqual([]);
        expect(existsSync(join(dir, 'started'))).toBe(false);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    TEST_TIMEOUT,
  );
});

describe('LocalExecutor leftovers', () => {
  it.each([
    ['holds the output pipe', 'sleep 300 & echo $!; echo done'],
    ['detached its output', 'sleep 300 >/dev/null 2>&1 & echo $!; echo done'],
  ])(
    'ends the stage with its leader and kills a background process that %s',
    async (_label, script) => {
      const observer = new RecordingObserver();
      const before = Date.now();
      const exit = await executor.run(stageSpec(['bash', '-c', script]), observer);
      expect(Date.now() - before).toBeLessThan(3000);
      expect(exit).toMatchObject({ exitCode: 0, timedOut: false, cancelled: false });
      expect(observer.stdout[1]).toBe('done');
      expect(await leftovers(observer.pid)).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'rejects with the error of a throwing observer and still kills the group',
    async () => {
      const observer = new RecordingObserver();
      const failure = new Error('log sink full');
      observer.onLine = () => {
        throw failure;
      };
      await expect(executor.run(stageSpec(['bash', '-c', `echo first; ${FAMILY}`]), observer)).rejects.toBe(failure);
      expect(await leftovers(observer.pid)).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
