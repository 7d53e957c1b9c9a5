import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StageProcessSpec } from '../../../core/executors/executor.js';
import { LocalExecutor } from '../../../core/executors/local/local-executor.js';
import { isProcessGroupAlive } from '../../../core/executors/local/process-tree.js';
import { RecordingObserver, leftovers } from './local-executor-helpers.js';

const SDK_DIR = resolve('sdk/python');
// A module that is slow to import stands in for numpy and scikit-learn.
const HEAVY = 'import time\ntime.sleep(0.4)\n';
// Prints what a stage would see, then behaves as KILN_PROBE_MODE says.
const PROBE = `
import json, os, signal, subprocess, sys, time
preloaded = "heavy" in sys.modules
import heavy
mode = os.environ.get("KILN_PROBE_MODE", "report")
print(json.dumps({
    "env": dict(os.environ), "cwd": os.getcwd(), "fds": sorted(os.listdir("/proc/self/fd")),
    "argv": sys.argv, "path0": sys.path[0], "heavy": preloaded, "leader": os.getpgid(0) == os.getpid(),
    "sigterm": str(signal.getsignal(signal.SIGTERM)), "sigint": str(signal.getsignal(signal.SIGINT)), "stdin": os.read(0, 1).decode(),
    "polluted": getattr(heavy, "polluted", False),
}), flush=True)
if mode == "pollute":
    # What a careless stage leaves behind: none of it may reach the next stage forked from the same server.
    heavy.polluted = True
    os.environ["KILN_LEFT_BEHIND"] = "1"
    os.chdir("/")
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if mode == "exit3":
    sys.exit(3)
if mode == "raise":
    raise RuntimeError("user code failed")
if mode == "selfkill":
    os.kill(os.getpid(), signal.SIGKILL)
if mode == "sleep":
    def on_term(*_):
        # os.write: the signal may land inside a print, and print is not reentrant.
        os.write(1, b"checkpoint on SIGTERM\\n")
        sys.exit(0)
    signal.signal(signal.SIGTERM, on_term)
    child = subprocess.Popen(["sleep", "300"])
    print(f"child {child.pid}", flush=True)
    time.sleep(300)
print("stderr line", file=sys.stderr)
`;

let dir: string;
let work: string;
let executor: LocalExecutor;
// The interpreter itself: a shim (pyenv) would add its own variables to a cold start.
let python: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-warm-'));
  work = join(dir, 'cwd');
  await writeFile(join(dir, 'heavy.py'), HEAVY);
  await writeFile(join(dir, 'probe.py'), PROBE);
  await mkdir(work);
  python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  executor = new LocalExecutor({ killGraceMs: 500, warmStartDir: join(dir, 'sockets') });
});

afterAll(async () => {
  executor.close();
  await rm(dir, { recursive: true, force: true });
});

function probeSpec(mode: string, overrides: Partial<StageProcessSpec> = {}): StageProcessSpec {
  return {
    id: `run-1/train/${mode}`,
    command: [python, '-m', 'probe'],
    workingDirectory: work,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      PYTHONPATH: `${dir}:${SDK_DIR}`,
      LANG: 'C.UTF-8',
      HOME: work,
      KILN_PROBE_MODE: mode,
      KILN_STAGE: 'train',
    },
    timeoutMs: 20_000,
    warmImports: ['heavy'],
    ...overrides,
  };
}

interface Report {
  env: Record<string, string>;
  cwd: string;
  fds: string[];
  argv: string[];
  path0: string;
  heavy: boolean;
  polluted: boolean;
  leader: boolean;
  sigterm: string;
  sigint: string;
  stdin: string;
}

async function run(spec: StageProcessSpec, on: LocalExecutor = executor) {
  const observer = new RecordingObserver();
  const started = performance.now();
  let firstLineMs = 0;
  const onLine = observer.onLine.bind(observer);
  observer.onLine = (line, stream) => {
    firstLineMs ||= performance.now() - started;
    onLine(line, stream);
  };
  const exit = await on.run(spec, observer);
  const report = JSON.parse(observer.stdout[0] ?? '{}') as Report;
  return { exit, observer, report, firstLineMs };
}

const cold = (spec: StageProcessSpec): StageProcessSpec => {
  const { warmImports: _, ...rest } = spec;
  return rest;
};

describe('warm stage start', () => {
  it('gives the stage what a cold start gives it: environment, cwd, descriptors, argv, signals, stdin', async () => {
    const warm = await run(probeSpec('report'));
    const coldRun = await run(cold(probeSpec('report')));
    expect(warm.exit).toMatchObject({ exitCode: 0, signal: null });
    expect(warm.report.env).toEqual(coldRun.report.env);
    expect(warm.report.env).toEqual(probeSpec('report').env);
    expect(warm.report).toMatchObject({ cwd: work, path0: work, leader: true, stdin: '' });
    // 0, 1, 2 and the descriptor listdir itself opens.
    expect(warm.report.fds).toEqual(['0', '1', '2', '3']);
    // A cold start also inherits whatever the worker leaks without close-on-exec (the test runner does).
    expect(coldRun.report.fds).toEqual(expect.arrayContaining(warm.report.fds));
    expect(warm.report.argv).toEqual(coldRun.report.argv);
    expect([warm.report.sigterm, warm.report.sigint]).toEqual([coldRun.report.sigterm, coldRun.report.sigint]);
    expect(warm.observer.stderr).toEqual(['stderr line']);
    expect(coldRun.observer.stderr).toEqual(['stderr line']);
  });

  it('gives the next stage forked from the same server none of what a stage changed: module state, environment, cwd, signal handlers', async () => {
    const first = await run(probeSpec('report'));
    const polluter = await run(probeSpec('pollute'));
    expect(polluter.exit).toMatchObject({ exitCode: 0, signal: null });
    const next = await run(probeSpec('report'));
    expect(next.report.heavy).toBe(true);
    expect(next.report.polluted).toBe(false);
    expect(next.report.env).toEqual(probeSpec('report').env);
    expect(next.report.cwd).toBe(work);
    expect([next.report.sigterm, next.report.sigint]).toEqual([first.report.sigterm, first.report.sigint]);
  });

  it('finds the warm imports already loaded, and starts faster than cold (reported, not asserted)', async () => {
    await run(probeSpec('report'));
    const warm = await run(probeSpec('report'));
    const coldRun = await run(cold(probeSpec('report')));
    expect(warm.report.heavy).toBe(true);
    expect(coldRun.report.heavy).toBe(false);
    console.log(
      `first output line after run(): warm ${warm.firstLineMs.toFixed(0)} ms, cold ${coldRun.firstLineMs.toFixed(0)} ms (the stage imports a module that takes 400 ms)`,
    );
  });

  it.each([
    ['exit3', { exitCode: 3, signal: null }],
    ['raise', { exitCode: 1, signal: null }],
    ['selfkill', { exitCode: null, signal: 'SIGKILL' }],
  ])('reports the exit of %s as a cold start would', async (mode, expected) => {
    const warm = await run(probeSpec(mode));
    const coldRun = await run(cold(probeSpec(mode)));
    expect(warm.exit).toMatchObject(expected);
    expect(coldRun.exit).toMatchObject(expected);
    if (mode === 'raise') expect(warm.observer.stderr.join('\n')).toContain('RuntimeError: user code failed');
  });

  it('cancel: SIGTERM reaches the stage’s own handler and the whole group, grandchildren included, is gone', async () => {
    const controller = new AbortController();
    const observer = new RecordingObserver();
    const running = executor.run(probeSpec('sleep', { signal: controller.signal }), observer);
    await observer.stdoutLines(2);
    controller.abort();
    const exit = await running;
    expect(exit, observer.stderr.join('\n')).toMatchObject({ cancelled: true, exitCode: 0 });
    expect(observer.stdout).toContain('checkpoint on SIGTERM');
    expect(JSON.parse(observer.stdout[0]!).heavy).toBe(true);
    expect(await leftovers(observer.pid)).toEqual([]);
    expect(await isProcessGroupAlive(observer.pid)).toBe(false);
  });

  it('timeout: the group is killed and timedOut set', async () => {
    const observer = new RecordingObserver();
    const exit = await executor.run(probeSpec('sleep', { timeoutMs: 1500 }), observer);
    expect(exit).toMatchObject({ timedOut: true });
    expect(await isProcessGroupAlive(observer.pid)).toBe(false);
  });

  it('runs several stages of one environment at once, one fork each', async () => {
    const runs = await Promise.all(
      [1, 2, 3, 4].map((i) => run(probeSpec('report', { id: `run-${i}/train/1`, env: { ...probeSpec('report').env, KILN_RUN_ID: `run-${i}` } }))),
    );
    expect(runs.map((r) => r.exit.exitCode)).toEqual([0, 0, 0, 0]);
    expect(runs.map((r) => r.report.env.KILN_RUN_ID)).toEqual(['run-1', 'run-2', 'run-3', 'run-4']);
    expect(new Set(runs.map((r) => r.observer.pid)).size).toBe(4);
    expect(runs.every((r) => r.report.heavy)).toBe(true);
  });

  it('starts the stage cold when its server died, and a new server for the next one', async () => {
    await run(probeSpec('report'));
    const servers = await forkServerPids(join(dir, 'sockets'));
    expect(servers).toHaveLength(1);
    process.kill(servers[0]!, 'SIGKILL');
    const after = await run(probeSpec('report'));
    expect(after.exit.exitCode).toBe(0);
    const next = await run(probeSpec('report'));
    expect(next.exit.exitCode).toBe(0);
    expect(next.report.heavy).toBe(true);
    expect(await forkServerPids(join(dir, 'sockets'))).not.toContain(servers[0]);
  });

  it('starts the stage cold when no server can start', async () => {
    // No kiln_sdk on the path: the server cannot even start.
    const spec = probeSpec('report', { env: { ...probeSpec('report').env, PYTHONPATH: dir } });
    const other = new LocalExecutor({ killGraceMs: 500, warmStartDir: join(dir, 'sockets-2') });
    try {
      const fallback = await run(spec, other);
      expect(fallback.exit.exitCode).toBe(0);
      expect(fallback.report.heavy).toBe(false);
    } finally {
      other.close();
    }
  });

  it('stops its servers on close', async () => {
    const own = new LocalExecutor({ warmStartDir: join(dir, 'sockets-3') });
    await run(probeSpec('report'), own);
    const servers = await forkServerPids(join(dir, 'sockets-3'));
    expect(servers).toHaveLength(1);
    own.close();
    await expect.poll(async () => (await forkServerPids(join(dir, 'sockets-3'))).length, { timeout: 5000 }).toBe(0);
  });
});

/** Fork servers this test started: `python -m kiln_sdk.fork_server <socket under dir> …`. */
async function forkServerPids(under: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const zombie = stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
    const args = cmdline.split('\0');
    if (!zombie && args.includes('kiln_sdk.fork_server') && args.some((a) => a.startsWith(`${under}/`))) pids.push(Number(name));
  }
  return pids;
}
