import { getEventListeners } from 'node:events';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentUnavailableError, SpecValidationError } from '../../../core/errors.js';
import { LocalExecutor } from '../../../core/executors/local/local-executor.js';
import { RecordingObserver, leftovers, stageSpec } from './local-executor-helpers.js';

// Real processes, each bounded by the stage timeout well below the test timeout.
const TEST_TIMEOUT = 10_000;
const executor = new LocalExecutor({ killGraceMs: 500 });

describe('LocalExecutor output', () => {
  it(
    'streams stdout and stderr lines in order, with CRLF and an unterminated last line',
    async () => {
      const observer = new RecordingObserver();
      const script = 'echo one; echo err1 >&2; printf "two\\r\\n"; echo err2 >&2; echo; printf "three"';
      const exit = await executor.run(stageSpec(['bash', '-c', script]), observer);
      expect(exit.exitCode).toBe(0);
      expect(observer.stdout).toEqual(['one', 'two', '', 'three']);
      expect(observer.stderr).toEqual(['err1', 'err2']);
    },
    TEST_TIMEOUT,
  );

  it(
    'delivers many lines without loss or reordering',
    async () => {
      const observer = new RecordingObserver();
      await executor.run(stageSpec(['seq', '1', '20000']), observer);
      expect(observer.stdout).toEqual(Array.from({ length: 20000 }, (_, i) => String(i + 1)));
    },
    TEST_TIMEOUT,
  );

  it(
    'splits lines longer than maxLineBytes into pieces',
    async () => {
      const observer = new RecordingObserver();
      await new LocalExecutor({ maxLineBytes: 8 }).run(stageSpec(['printf', 'abcdefghijkl\\nok\\n']), observer);
      expect(observer.stdout).toEqual(['abcdefgh', 'ijkl', 'ok']);
    },
    TEST_TIMEOUT,
  );
});

describe('LocalExecutor exit', () => {
  it.each([
    ['exit 0', 0, null],
    ['exit 3', 3, null],
    ['kill -KILL $$', null, 'SIGKILL'],
  ])(
    'reports `%s` as exitCode %s, signal %s',
    async (script, exitCode, signal) => {
      const exit = await executor.run(stageSpec(['bash', '-c', script]), new RecordingObserver());
      expect(exit).toMatchObject({ exitCode, signal, timedOut: false, cancelled: false });
    },
    TEST_TIMEOUT,
  );

  it(
    'calls onStart once with the pid and returns quickly for a fast process',
    async () => {
      const observer = new RecordingObserver();
      const controller = new AbortController();
      const before = Date.now();
      const exit = await executor.run(stageSpec(['true'], { signal: controller.signal }), observer);
      expect(Date.now() - before).toBeLessThan(2000);
      expect(exit.exitCode).toBe(0);
      expect(observer.starts).toHaveLength(1);
      expect(observer.pid).toBeGreaterThan(0);
      expect(observer.starts[0]?.startedAt).toEqual(exit.startedAt);
      expect(exit.finishedAt.getTime()).toBeGreaterThanOrEqual(exit.startedAt.getTime());
      expect(exit.durationMs).toBeLessThan(2000);
      expect(await leftovers(observer.pid)).toEqual([]);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    },
    TEST_TIMEOUT,
  );
});

describe('LocalExecutor environment', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'kiln-exec-')));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it(
    'gives the process exactly spec.env, nothing inherited',
    async () => {
      process.env.KILN_TEST_MUST_NOT_LEAK = 'leaked';
      try {
        const observer = new RecordingObserver();
        const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', KILN_ONLY: 'yes' };
        await executor.run(stageSpec(['env'], { env }), observer);
        expect(observer.stdout.sort()).toEqual([`KILN_ONLY=yes`, `PATH=${env.PATH}`]);
      } finally {
        delete process.env.KILN_TEST_MUST_NOT_LEAK;
      }
    },
    TEST_TIMEOUT,
  );

  it(
    'runs in the working directory',
    async () => {
      const observer = new RecordingObserver();
      await executor.run(stageSpec(['bash', '-c', 'pwd -P'], { workingDirectory: dir }), observer);
      expect(observer.stdout).toEqual([dir]);
    },
    TEST_TIMEOUT,
  );

  it(
    'rejects a missing working directory without starting anything',
    async () => {
      const observer = new RecordingObserver();
      const error = await executor.run(stageSpec(['true'], { workingDirectory: join(dir, 'missing') }), observer).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EnvironmentUnavailableError);
      expect(error).toMatchObject({ field: 'workingDirectory' });
      expect(observer.starts).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'rejects a command that is not on PATH, naming it, and leaves no listener behind',
    async () => {
      const controller = new AbortController();
      const observer = new RecordingObserver();
      const spec = stageSpec(['kiln-no-such-program'], { signal: controller.signal });
      const error = await executor.run(spec, observer).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EnvironmentUnavailableError);
      expect(error).toMatchObject({ field: 'command', message: expect.stringContaining('"kiln-no-such-program" not found') });
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      expect(observer.starts).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it.each([
    ['an empty command', { command: [] }, 'command'],
    ['a zero timeout', { timeoutMs: 0 }, 'timeoutMs'],
  ])('rejects %s as a spec error', async (_label, overrides, path) => {
    const error = await executor.run(stageSpec(['true'], overrides), new RecordingObserver()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecValidationError);
    expect((error as SpecValidationError).problems[0]?.path).toBe(path);
  });
});
