/**
 * The model server's prediction log (sdk/python/kiln_sdk/prediction_log.py), driven from
 * Python scripts: ids, segments per hour, sampling, the rate cap and dropping when the spool
 * is full. The server's use of it is tested on a real server (test/integration/monitoring/).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hourStamp, parsePredictionId } from '../../../core/monitoring/prediction-log/prediction-keys.js';
import { parsePredictionLines } from '../../../core/monitoring/prediction-log/read-predictions.js';

const SDK = resolve(import.meta.dirname, '../../../sdk/python');
const PYTHON = process.env.KILN_TEST_PYTHON ?? 'python3';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs `body` after `from kiln_sdk.prediction_log import *` with `log_dir` set; returns what it prints as JSON. */
function runPython(body: string): { out: unknown; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-predlog-'));
  dirs.push(dir);
  const script = `import json, random\nfrom kiln_sdk.prediction_log import *\nlog_dir = ${JSON.stringify(dir)}\n${body}`;
  const result = spawnSync(PYTHON, ['-c', script], {
    env: { PATH: process.env.PATH, PYTHONPATH: SDK, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`python failed: ${result.stderr}`);
  return { out: JSON.parse(result.stdout), dir };
}

const segments = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => readFileSync(join(dir, f), 'utf8'));
/** Every logged prediction, read as the monitor reads segments. */
const lines = (dir: string) => segments(dir).flatMap(parsePredictionLines);

describe('prediction log writer', () => {
  it('gives each prediction an id naming the version and time, and logs it as a JSON line in its hour folder', () => {
    const { out, dir } = runPython(`
log = PredictionLog(log_dir, "7", clock=lambda: 1796220000.5)
ids = log.record([[1, 2], {"a": 3}], [0.5, "yes"])
log.close()
print(json.dumps({"ids": ids, "stats": log.stats()}))`);
    const { ids, stats } = out as { ids: string[]; stats: Record<string, number> };
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) expect(parsePredictionId(id)).toEqual({ version: 7, time: new Date(1796220000500) });
    expect(stats).toEqual({ logged: 2, sampled_out: 0, rate_limited: 0, dropped: 0 });
    // One closed segment in the folder of that UTC hour.
    const hour = hourStamp(1796220000500);
    expect(hour).toBe('2026-12-02T14');
    expect(readdirSync(dir)).toEqual([hour]);
    expect(readdirSync(join(dir, hour)).every((f) => f.endsWith('.jsonl'))).toBe(true);
    expect(lines(dir)).toEqual([
      { id: ids[0], ts: 1796220000.5, input: [1, 2], prediction: 0.5 },
      { id: ids[1], ts: 1796220000.5, input: { a: 3 }, prediction: 'yes' },
    ]);
  });

  it('writes one line per record() call, and one per prediction, without the unencodable one, when JSON cannot encode a value', () => {
    const { out, dir } = runPython(`
log = PredictionLog(log_dir, "3", clock=lambda: 1796220000.5)
a = log.record([[1], [2], [3]], [0, 1, 0])
b = log.record([[4], object(), [6]], [1, 1, 0])
log.close()
print(json.dumps({"ids": a + b, "stats": log.stats()}))`);
    const { ids, stats } = out as { ids: string[]; stats: Record<string, number> };
    expect(stats).toEqual({ logged: 5, sampled_out: 0, rate_limited: 0, dropped: 1 });
    const written = segments(dir)
      .join('')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(written[0]).toEqual({ ts: 1796220000.5, ids: ids.slice(0, 3), inputs: [[1], [2], [3]], predictions: [0, 1, 0] });
    expect(written.slice(1).map((line) => line.id)).toEqual([ids[3], ids[5]]);
    expect(lines(dir).map((l) => [l.id, l.input, l.prediction])).toEqual([
      [ids[0], [1], 0],
      [ids[1], [2], 1],
      [ids[2], [3], 0],
      [ids[3], [4], 1],
      [ids[5], [6], 0],
    ]);
  });

  it('writes a batch that spans an hour into one segment per hour folder', () => {
    const { out, dir } = runPython(`
now = [1796223599.9]
log = PredictionLog(log_dir, "2", clock=lambda: now[0])
a = log.record([[1]], [0])
now[0] = 1796223600.1
b = log.record([[2]], [1])
log.close()
print(json.dumps({"ids": a + b, "stats": log.stats()}))`);
    const { ids, stats } = out as { ids: string[]; stats: Record<string, number> };
    expect(stats.logged).toBe(2);
    expect(readdirSync(dir).sort()).toEqual([hourStamp(1796223599900), hourStamp(1796223600100)]);
    expect(lines(dir).map((l) => l.id)).toEqual(ids);
  });

  it('gives different ids in a forked worker process than in its parent', () => {
    const { out } = runPython(`
import os
log = PredictionLog(None, "1", clock=lambda: 1796220000.0)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.write(w, json.dumps(log.record([[0]] * 50, [0] * 50)).encode())
    os._exit(0)
os.waitpid(pid, 0)
child = json.loads(os.read(r, 1 << 16))
print(json.dumps({"child": child, "parent": log.record([[0]] * 50, [0] * 50)}))`);
    const { child, parent } = out as { child: string[]; parent: string[] };
    expect(new Set([...child, ...parent]).size).toBe(100);
  });

  it('logs the sampled share, and counts the rest', () => {
    const { out, dir } = runPython(`
log = PredictionLog(log_dir, "1", sample=0.25, rng=random.Random(3))
for _ in range(40):
    log.record([[0]] * 100, [1] * 100)
log.close()
print(json.dumps(log.stats()))`);
    const stats = out as Record<string, number>;
    expect((stats.logged ?? 0) + (stats.sampled_out ?? 0)).toBe(4000);
    expect(stats.logged).toBeGreaterThan(900);
    expect(stats.logged).toBeLessThan(1100);
    expect(lines(dir)).toHaveLength(stats.logged!);
  });

  it('logs at most the rate cap per second, and counts what it skipped', () => {
    const { out } = runPython(`
log = PredictionLog(log_dir, "1", max_per_second=100, clock=lambda: 1796220000.0)
log.record([[0]] * 250, [1] * 250)
log.close()
print(json.dumps(log.stats()))`);
    expect(out).toEqual({ logged: 100, sampled_out: 0, rate_limited: 150, dropped: 0 });
  });

  it('drops records once the unshipped spool is over its size, and still answers every id', () => {
    const { out } = runPython(`
import time
log = PredictionLog(log_dir, "1", spool_bytes=1)
first = log.record([[0]], [1])
time.sleep(1.5)  # the writer measures the spool (now over 1 byte) at least once a second
ids = log.record([[0]] * 10, [1] * 10)
log.close()
print(json.dumps({"ids": len(first) + len(ids), "stats": log.stats()}))`);
    expect(out).toEqual({ ids: 11, stats: { logged: 1, sampled_out: 0, rate_limited: 0, dropped: 10 } });
  });

  it('without a directory logs nothing but still gives ids', () => {
    const { out, dir } = runPython(`
log = PredictionLog(None, "3")
print(json.dumps({"ids": log.record([[0]], [1]), "stats": log.stats()}))`);
    const { ids, stats } = out as { ids: string[]; stats: Record<string, number> };
    expect(parsePredictionId(ids[0]!)?.version).toBe(3);
    expect(stats.logged).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });
});
