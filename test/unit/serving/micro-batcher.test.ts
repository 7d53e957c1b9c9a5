/**
 * The model server's micro-batching (sdk/python/kiln_sdk/serve_batch.py), driven from Python
 * scripts on an event loop of their own: no socket, no server. What it does over HTTP is tested
 * on a real server (test/integration/serving/model-server.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SDK = resolve(import.meta.dirname, '../../../sdk/python');
const PYTHON = process.env.KILN_TEST_PYTHON ?? 'python3';

/**
 * A model that answers each instance `[x, size of the call it was in]` (and fails on negative
 * x) and records every call; `one(x)` is a request of one instance; `submit(requests)` submits them all in one turn of the loop and
 * returns each request's outcome, in order. The script's last expression is printed as JSON.
 */
function runBatcher(setup: string, body: string): unknown {
  const script = `
import asyncio, json
from kiln_sdk import KilnModel, instances_to_rows
from kiln_sdk.prediction_log import PredictionLog
from kiln_sdk.serve_batch import MicroBatcher

class Probe(KilnModel):
    def __init__(self):
        self.calls = []
    def predict(self, instances):
        self.calls.append(len(instances))
        rows = instances_to_rows(instances, ["x"])
        for i, row in enumerate(rows):
            if row[0] < 0:
                raise ValueError(f"instances[{i}].x: must not be negative")
        return [[row[0], len(rows)] for row in rows]

def one(x):
    return [{"x": x}]

${setup}

async def submit(requests, **options):
    loop = asyncio.get_running_loop()
    batcher = MicroBatcher(model, PredictionLog(None, "4"), loop, **options)
    futures = [loop.create_future() for _ in requests]
    for instances, future in zip(requests, futures):
        batcher.submit(instances, future.set_result)
    outcomes = await asyncio.gather(*futures)
    batcher.close()
    return [{"error": f"{type(o).__name__}: {o}"} if isinstance(o, BaseException) else {"predictions": o[0], "ids": len(o[1])} for o in outcomes]

async def main():
${body.replace(/^/gm, '    ')}

print(json.dumps(asyncio.run(main())))`;
  const result = spawnSync(PYTHON, ['-c', script], {
    env: { PATH: process.env.PATH, PYTHONPATH: SDK, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`python failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

describe('micro-batching', () => {
  it('merges requests that wait together into one predict call and gives each its own predictions and ids, in order', () => {
    const out = runBatcher('model = Probe()', 'return {"outcomes": await submit([[{"x": 1}], [{"x": 2}, {"x": 3}], [{"x": 4}]]), "calls": model.calls}');
    expect(out).toEqual({
      outcomes: [
        { predictions: [[1, 4]], ids: 1 },
        {
          predictions: [
            [2, 4],
            [3, 4],
          ],
          ids: 2,
        },
        { predictions: [[4, 4]], ids: 1 },
      ],
      calls: [4],
    });
  });

  it('never merges more than max_batch instances into one call, nor splits a request', () => {
    const out = runBatcher('model = Probe()', 'return {"outcomes": await submit([[{"x": 1}]] * 5 + [[{"x": 2}] * 4], max_batch=3), "calls": model.calls}');
    expect((out as { calls: number[] }).calls).toEqual([3, 2, 4]);
  });

  it('answers a bad request with its own error and instance numbers, and the others that shared its call with their predictions', () => {
    const out = runBatcher('model = Probe()', 'return {"outcomes": await submit([one(1), [{"x": 2}, {"x": -1}], one(3)]), "calls": model.calls}');
    expect(out).toEqual({
      outcomes: [{ predictions: [[1, 1]], ids: 1 }, { error: 'ValueError: instances[1].x: must not be negative' }, { predictions: [[3, 1]], ids: 1 }],
      // The merged call failed, then each request was predicted alone.
      calls: [4, 1, 2, 1],
    });
  });

  it('predicts each request alone for a model that opts out with batchable = False', () => {
    const out = runBatcher(
      'class Alone(Probe):\n    batchable = False\nmodel = Alone()',
      'return {"outcomes": await submit([one(1), one(2), one(3)]), "calls": model.calls}',
    );
    expect(out).toEqual({ outcomes: [1, 2, 3].map((x) => ({ predictions: [[x, 1]], ids: 1 })), calls: [1, 1, 1] });
  });

  it('predicts each request alone with max_batch 1', () => {
    const out = runBatcher('model = Probe()', 'await submit([one(1), one(2)], max_batch=1)\nreturn model.calls');
    expect(out).toEqual([1, 1]);
  });

  it('holds a lone request for batch_wait so that later ones join it', () => {
    const out = runBatcher(
      'model = Probe()',
      `loop = asyncio.get_running_loop()
batcher = MicroBatcher(model, PredictionLog(None, "4"), loop, wait_s=0.2)
first, second = loop.create_future(), loop.create_future()
batcher.submit([{"x": 1}], first.set_result)
await asyncio.sleep(0.05)
batcher.submit([{"x": 2}], second.set_result)
await asyncio.gather(first, second)
return model.calls`,
    );
    expect(out).toEqual([2]);
  });

  it('calls a quick model on the event loop once it has timed a call, and keeps a slow one on its own thread so the loop turns meanwhile', () => {
    const out = runBatcher(
      `import threading, time
class Timed(Probe):
    def __init__(self, pause):
        super().__init__()
        self.pause = pause
        self.threads = []
    def predict(self, instances):
        self.threads.append(threading.current_thread().name)
        time.sleep(self.pause)
        return super().predict(instances)`,
      `loop = asyncio.get_running_loop()
seen = {}
for name, pause in (("quick", 0), ("slow", 0.05)):
    model = Timed(pause)
    batcher = MicroBatcher(model, PredictionLog(None, "4"), loop)
    turns = []
    async def count_turns():
        while True:
            await asyncio.sleep(0.005)
            turns.append(1)
    counter = asyncio.ensure_future(count_turns())
    for x in range(3):
        future = loop.create_future()
        batcher.submit(one(x), future.set_result)
        assert (await future)[0] == [[x, 1]]
    counter.cancel()
    batcher.close()
    seen[name] = {"threads": model.threads, "loop_turned": len(turns) > 0}
return seen`,
    );
    expect(out).toEqual({
      quick: { threads: ['kiln-predict', 'MainThread', 'MainThread'], loop_turned: expect.any(Boolean) },
      slow: { threads: ['kiln-predict', 'kiln-predict', 'kiln-predict'], loop_turned: true },
    });
  });

  it('answers a model that returns the wrong number of predictions with an error, not a misaligned answer', () => {
    const out = runBatcher(
      'class Short(Probe):\n    def predict(self, instances):\n        return []\nmodel = Short()',
      'return await submit([one(1), one(2)])',
    );
    expect(out).toEqual([
      { error: 'PredictionCountError: predict returned 0 predictions for 1 instances' },
      { error: 'PredictionCountError: predict returned 0 predictions for 1 instances' },
    ]);
  });
});
