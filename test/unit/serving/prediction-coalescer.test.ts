/**
 * The API's merging of waiting predictions into `/predict/many` (api/prediction-coalescer.ts),
 * against model-server stand-ins on loopback; the real server's side is in
 * test/integration/serving/predict-many.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PredictionCoalescer } from '../../../api/prediction-coalescer.js';
import { modelServerStandIn, type StandIn, type StandInAnswer } from '../../support/model-server-stand-in.js';

/** Answers each instance `[x]` with `x * 10`, and a 400 naming the instance for `"bad"`. */
const tenfold: StandInAnswer = (instances) =>
  instances.some((i) => (i as unknown[])[0] === 'bad')
    ? { status: 400, body: { error: 'instances[0]: not a number' } }
    : { status: 200, body: { predictions: instances.map((i) => ((i as number[])[0] ?? 0) * 10) } };

const servers: StandIn[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.server.close();
});

async function standIn(options: Parameters<typeof modelServerStandIn>[1]): Promise<StandIn> {
  const server = await modelServerStandIn(tenfold, options);
  servers.push(server);
  return server;
}

const bodyOf = (xs: unknown[]) => JSON.stringify({ instances: xs.map((x) => [x]) });
const predictionsOf = (text: string) => (JSON.parse(text) as { predictions: number[] }).predictions;

describe('PredictionCoalescer', () => {
  it('sends a lone prediction at once, alone, as /predict', async () => {
    const server = await standIn({ many: true, delayMs: 20 });
    const reply = await new PredictionCoalescer().predict(server.url, bodyOf([1, 2]));
    expect(reply).toEqual({ status: 200, text: '{"predictions":[10,20]}' });
    expect(server).toMatchObject({ requests: 1, manyRequests: 0 });
  });

  it('merges predictions waiting behind two in flight into /predict/many, each caller getting its own answer', async () => {
    const server = await standIn({ many: true, delayMs: 30 });
    const coalescer = new PredictionCoalescer();
    const requests = Array.from({ length: 40 }, (_, i) => Array.from({ length: 1 + (i % 4) }, (_, j) => 100 * i + j));
    const replies = await Promise.all(requests.map((xs) => coalescer.predict(server.url, bodyOf(xs))));
    for (const [i, reply] of replies.entries()) {
      expect(reply.status).toBe(200);
      expect(predictionsOf(reply.text)).toEqual(requests[i]!.map((x) => x * 10));
    }
    expect(server.requests).toBe(40);
    // Two went alone; the other 38 waited and went together, in far fewer requests.
    expect(server.manyRequests).toBeGreaterThan(0);
    expect(server.manyRequests).toBeLessThanOrEqual(2);
  });

  it("fails a caller's bad body alone: its batch-mates get their answers", async () => {
    const server = await standIn({ many: true, delayMs: 30 });
    const coalescer = new PredictionCoalescer();
    const inputs: unknown[][] = [[1], [2], [3], ['bad'], [5], [6]];
    const replies = await Promise.all(inputs.map((xs) => coalescer.predict(server.url, bodyOf(xs))));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 400, 200, 200]);
    expect(JSON.parse(replies[3]!.text)).toEqual({ error: 'instances[0]: not a number' });
    expect(predictionsOf(replies[5]!.text)).toEqual([60]);
    expect(server.manyRequests).toBe(1);
  });

  it('sends each prediction alone to a server without /predict/many, and keeps doing so', async () => {
    const server = await standIn({ delayMs: 20 });
    const coalescer = new PredictionCoalescer();
    const send = () => Promise.all([1, 2, 3, 4, 5, 6].map((x) => coalescer.predict(server.url, bodyOf([x]))));
    expect((await send()).map((r) => predictionsOf(r.text))).toEqual([[10], [20], [30], [40], [50], [60]]);
    expect(server.requests).toBe(6);
  });

  it('puts a body with line breaks on one line of /predict/many, unchanged as JSON', async () => {
    const server = await standIn({ many: true, delayMs: 30 });
    const coalescer = new PredictionCoalescer();
    const pretty = (x: number) => JSON.stringify({ instances: [[x]] }, null, 2);
    const replies = await Promise.all([1, 2, 3, 4].map((x) => coalescer.predict(server.url, pretty(x))));
    expect(replies.map((r) => predictionsOf(r.text))).toEqual([[10], [20], [30], [40]]);
    expect(server.manyBodies).toEqual([`${pretty(3).replaceAll('\n', ' ')}\n${pretty(4).replaceAll('\n', ' ')}`]);
  });

  it('keeps two calls per worker process the server reports in flight before callers wait', async () => {
    const burst = async (server: StandIn) => {
      const coalescer = new PredictionCoalescer();
      await coalescer.predict(server.url, bodyOf([0]));
      const replies = await Promise.all([1, 2, 3, 4, 5, 6].map((x) => coalescer.predict(server.url, bodyOf([x]))));
      expect(replies.map((r) => predictionsOf(r.text))).toEqual([[10], [20], [30], [40], [50], [60]]);
      return server.manyRequests;
    };
    // Three workers: six in flight, none waits. One (no header): two in flight, four wait and go together.
    expect(await burst(await standIn({ many: true, delayMs: 30, headers: { 'x-kiln-workers': '3' } }))).toBe(0);
    expect(await burst(await standIn({ many: true, delayMs: 30 }))).toBe(1);
  });

  it('rejects every waiting caller when the server cannot be reached', async () => {
    const server = await standIn({ many: true });
    const url = server.url;
    await new Promise<void>((r) => server.server.close(() => r()));
    const coalescer = new PredictionCoalescer();
    const results = await Promise.allSettled([1, 2, 3, 4].map((x) => coalescer.predict(url, bodyOf([x]))));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
  });
});
