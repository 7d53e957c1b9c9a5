/**
 * `POST /predict/many` of the real model server (sdk/python/kiln_sdk/serve_many.py), alone and
 * driven by the API's coalescer (api/prediction-coalescer.ts): each line is answered as `/predict`
 * would have answered it alone. Probe models: each instance `[x]` answered `[x, size of its predict call]`.
 */
import { describe, expect, it } from 'vitest';
import { PredictionCoalescer } from '../../../api/prediction-coalescer.js';
import { useProbeServers } from '../../support/probe-model-server.js';

const serveProbe = useProbeServers();

async function predictMany(url: string, body: string, method = 'POST') {
  const res = await fetch(`${url}/predict/many`, { method, ...(method === 'POST' ? { body } : {}) });
  return { status: res.status, statuses: res.headers.get('x-kiln-statuses'), type: res.headers.get('content-type'), text: await res.text() };
}

const line = (xs: unknown[]) => JSON.stringify({ instances: xs.map((x) => [x]) });

describe('POST /predict/many', () => {
  it('answers each line as /predict would have answered it alone, in order, with the statuses in X-Kiln-Statuses', async () => {
    const server = await serveProbe(0);
    const answer = await predictMany(server.url, [line([1, 2]), line(['a']), '{"instances": [[3]', line([4]), ''].join('\n'));
    expect(answer).toMatchObject({ status: 200, statuses: '200,400,400,200', type: 'application/x-ndjson' });
    const [first, wrongValue, notJson, last] = answer.text.split('\n').map((text) => JSON.parse(text) as { predictions?: number[][]; error?: string });
    expect(first!.predictions!.map((p) => p[0])).toEqual([1, 2]);
    expect(wrongValue!.error).toBe("instances[0][0]: expected number, got 'a'");
    expect(notJson!.error).toMatch(/^body: invalid JSON/);
    expect(last!.predictions!.map((p) => p[0])).toEqual([4]);
    expect((await server.health()).server).toMatchObject({ many_requests: 1, requests: 2, in_flight: 0 });
  });

  it('answers the lines over the in-flight bound 503 and predicts the others', async () => {
    const server = await serveProbe(0.2, { KILN_SERVE_MAX_IN_FLIGHT: '2', KILN_SERVE_MAX_BATCH: '1' });
    const answer = await predictMany(server.url, [1, 2, 3, 4].map((x) => line([x])).join('\n'));
    expect(answer.statuses).toBe('200,200,503,503');
    expect(JSON.parse(answer.text.split('\n')[2]!)).toEqual({ error: 'overloaded: 2 requests in flight, retry' });
  });

  it('refuses a body of no lines or too many, and any method but POST, naming the problem', async () => {
    const server = await serveProbe(0);
    const none = await predictMany(server.url, '');
    expect(none.status).toBe(400);
    expect(JSON.parse(none.text)).toEqual({ error: 'body: expected 1 to 256 lines, each a /predict body' });
    expect((await predictMany(server.url, Array.from({ length: 257 }, () => line([1])).join('\n'))).status).toBe(400);
    const get = await predictMany(server.url, '', 'GET');
    expect(get.status).toBe(405);
    expect(JSON.parse(get.text)).toEqual({ error: 'method not allowed: use POST /predict/many' });
    expect((await server.health()).server).toMatchObject({ requests: 0 });
  });

  it("answers 64 concurrent callers through the API's coalescer each with its own predictions; a bad one fails alone", async () => {
    const server = await serveProbe(0.01);
    const coalescer = new PredictionCoalescer();
    const requests: unknown[][] = Array.from({ length: 64 }, (_, i) => Array.from({ length: 1 + (i % 5) }, (_, j) => 1000 * i + j));
    requests[17] = [17_000, 'x'];
    const replies = await Promise.all(requests.map((xs) => coalescer.predict(server.url, line(xs))));
    for (const [i, reply] of replies.entries()) {
      if (i === 17) {
        expect(reply.status).toBe(400);
        expect(JSON.parse(reply.text)).toEqual({ error: "instances[1][0]: expected number, got 'x'" });
        continue;
      }
      expect(reply.status).toBe(200);
      expect((JSON.parse(reply.text) as { predictions: number[][] }).predictions.map((p) => p[0])).toEqual(requests[i]);
    }
    const stats = (await server.health()).server;
    // All but the first two waited and went together, in a few requests.
    expect(stats.many_requests).toBeGreaterThan(0);
    expect(stats.many_requests).toBeLessThan(20);
    // Predicted: every request but the bad one.
    expect(stats).toMatchObject({ requests: 63, in_flight: 0 });
  });
});
