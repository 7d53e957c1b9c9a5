/**
 * The model server's HTTP behaviour (`python -m kiln_sdk.serve`, sdk/python/kiln_sdk/serve*.py)
 * on real processes and sockets: keep-alive, micro-batching, the in-flight bound, slow clients,
 * worker processes and refused requests. The probe models (test/fixtures/serving/src/batch_probe.py)
 * answer each instance `[x, size of the predict call it was in]`, after a pause.
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useProbeServers } from '../../support/probe-model-server.js';

const serveProbe = useProbeServers();

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The complete responses in what a connection received so far. */
function responsesIn(data: string): RawResponse[] {
  const out: RawResponse[] = [];
  let rest = data;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return out;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length'] ?? 0);
    if (rest.length < end + 4 + length) return out;
    out.push({ status: Number(statusLine!.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
}

/** A plain TCP connection to the server: what it received, and whether the server closed it. */
function rawConnection(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  const conn = { socket, data: '', closed: false, responses: () => responsesIn(conn.data) };
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (conn.data += d));
  socket.on('close', () => (conn.closed = true));
  socket.on('error', () => {});
  return conn;
}

const predictRequest = (body: string, headers = '') =>
  `POST /predict HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`;

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('model server', () => {
  it('keeps a connection open across requests and answers pipelined requests in order', async () => {
    const server = await serveProbe(0);
    const conn = rawConnection(server.port);
    conn.socket.write(predictRequest('{"instances": [[1]]}'));
    await until(() => conn.responses().length === 1);
    conn.socket.write(predictRequest('{"instances": [[2]]}'));
    await until(() => conn.responses().length === 2);
    // Three requests in one write: three answers, in the order asked.
    conn.socket.write(
      [predictRequest('{"instances": [[3]]}'), predictRequest('{"instances": [[4], [5]]}'), 'GET /health HTTP/1.1\r\nHost: test\r\n\r\n'].join(''),
    );
    await until(() => conn.responses().length === 5);
    const responses = conn.responses();
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    // Each kept-alive answer tells the client the idle limit (15 s by default), so its pool drops
    // a connection before the server closes it under a request.
    expect(new Set(responses.map((r) => r.headers['keep-alive']))).toEqual(new Set(['timeout=15']));
    expect(responses.slice(0, 4).map((r) => (JSON.parse(r.body) as { predictions: number[][] }).predictions.map((p) => p[0]))).toEqual([[1], [2], [3], [4, 5]]);
    expect(JSON.parse(responses[4]!.body)).toMatchObject({ status: 'ok' });
    expect(conn.closed).toBe(false);
    // Thousands pipelined, each answered at once: answered one after another, not by recursion.
    conn.socket.write('GET /nowhere HTTP/1.1\r\nHost: test\r\n\r\n'.repeat(3000));
    await until(() => conn.responses().length === 3005);
    expect(
      new Set(
        conn
          .responses()
          .slice(5)
          .map((r) => r.status),
      ),
    ).toEqual(new Set([404]));
    // Connection: close is honoured.
    conn.socket.write(predictRequest('{"instances": [[6]]}', 'Connection: close\r\n'));
    await until(() => conn.closed);
    expect(conn.responses()[3005]).toMatchObject({ status: 200, headers: { connection: 'close' } });
  });

  it('keeps an HTTP/1.0 connection open only when the client asks for it', async () => {
    const server = await serveProbe(0);
    const conn = rawConnection(server.port);
    conn.socket.write('GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    await until(() => conn.responses().length === 1);
    expect(conn.responses()[0]).toMatchObject({ status: 200, headers: { connection: 'keep-alive', 'keep-alive': 'timeout=15' } });
    conn.socket.write('GET /health HTTP/1.0\r\n\r\n');
    await until(() => conn.closed);
    expect(conn.responses()[1]).toMatchObject({ status: 200, headers: { connection: 'close' } });
    expect(conn.responses()[1]!.headers['keep-alive']).toBeUndefined();
  });

  it('merges requests that arrive while the model predicts into one call, and answers each with its own predictions', async () => {
    const server = await serveProbe(0.3);
    const first = server.predict([0]);
    await new Promise((r) => setTimeout(r, 100));
    const xs = [1, 2, 3, 4, 5, 6, 7, 8];
    const answers = await Promise.all(xs.map((x) => server.predict([x, x + 100])));
    expect((await first).body.predictions).toEqual([[0, 1]]);
    // One worker: no X-Kiln-Workers (the API keeps two calls in flight).
    expect((await first).workers).toBeNull();
    for (const [i, answer] of answers.entries()) {
      expect(answer.status).toBe(200);
      // Its own instances, in its order, from a call that held more than its own two.
      expect(answer.body.predictions!.map((p) => p[0])).toEqual([xs[i], xs[i]! + 100]);
      expect(answer.body.predictions![0]![1]).toBeGreaterThan(2);
    }
    const stats = (await server.health()).server;
    expect(stats).toMatchObject({ requests: 9, instances: 17, in_flight: 0 });
    expect(stats.predict_calls).toBeLessThan(9);
  });

  it('answers 64 concurrent clients with requests of mixed sizes each with its own predictions, in its order', async () => {
    const server = await serveProbe(0.01);
    const requests = Array.from({ length: 64 }, (_, i) => Array.from({ length: 1 + (i % 5) }, (_, j) => 1000 * i + j));
    const answers = await Promise.all(requests.map((xs) => server.predict(xs)));
    for (const [i, answer] of answers.entries()) {
      expect(answer.status).toBe(200);
      expect(answer.body.predictions!.map((p) => p[0])).toEqual(requests[i]);
    }
    const stats = (await server.health()).server;
    expect(stats).toMatchObject({ requests: 64, instances: requests.flat().length, in_flight: 0 });
    // Merged: fewer calls than requests.
    expect(stats.predict_calls).toBeLessThan(64);
  });

  it('predicts each request alone for a model that opts out of batching', async () => {
    const server = await serveProbe(0.1, {}, 'AloneProbe');
    const answers = await Promise.all([1, 2, 3, 4, 5].map((x) => server.predict([x])));
    expect(answers.map((a) => a.body.predictions)).toEqual([1, 2, 3, 4, 5].map((x) => [[x, 1]]));
    expect((await server.health()).server).toMatchObject({ requests: 5, predict_calls: 5 });
  });

  it('answers requests over its in-flight bound at once with 503 and Retry-After, never by timing out', async () => {
    const server = await serveProbe(1, { KILN_SERVE_MAX_IN_FLIGHT: '2', KILN_SERVE_MAX_BATCH: '1' });
    const started = performance.now();
    const answers = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(async (x, i) => {
        await new Promise((r) => setTimeout(r, i * 20));
        const answer = await server.predict([x]);
        return { ...answer, ms: performance.now() - started };
      }),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 503, 503, 503, 503]);
    for (const refused of answers.slice(2)) {
      expect(refused.retryAfter).toBe('1');
      expect(refused.body.error).toContain('overloaded');
      // Refused while the first prediction still runs, not after waiting for a slot.
      expect(refused.ms).toBeLessThan(900);
    }
    expect((await server.predict([7])).status).toBe(200);
    expect((await server.health()).server).toMatchObject({ overloaded: 4 });
  });

  it('closes the connection of a client too slow to send its request, with a 408, while serving others', async () => {
    const server = await serveProbe(0, { KILN_SERVE_HEADER_TIMEOUT_S: '0.5', KILN_SERVE_REQUEST_TIMEOUT_S: '1', KILN_SERVE_IDLE_TIMEOUT_S: '1' });
    const slowHeaders = rawConnection(server.port);
    slowHeaders.socket.write('POST /predict HTTP/1.1\r\nHost: test\r\n');
    const slowBody = rawConnection(server.port);
    slowBody.socket.write('POST /predict HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\n{"instances"');
    const idle = rawConnection(server.port);
    idle.socket.write(predictRequest('{"instances": [[1]]}'));
    const started = Date.now();
    for (let i = 0; i < 5; i++) expect((await server.predict([i])).status).toBe(200);
    await until(() => slowHeaders.closed && slowBody.closed && idle.closed, 5_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(slowHeaders.responses()).toMatchObject([{ status: 408, headers: { connection: 'close' } }]);
    expect(slowBody.responses()).toMatchObject([{ status: 408 }]);
    // An idle keep-alive connection is closed without an answer it never asked for.
    expect(idle.responses().map((r) => r.status)).toEqual([200]);
    // It was told so: a 1 s limit is hinted as `timeout=1`, on which fetch's pool does not reuse the
    // connection (it had raced the server's close after the wait above).
    expect(idle.responses()[0]!.headers['keep-alive']).toBe('timeout=1');
    expect((await server.predict([9])).status).toBe(200);
  });

  it('refuses what it cannot read with a status naming the problem', async () => {
    const server = await serveProbe(0);
    const cases: Array<[string, number, string]> = [
      ['POST /predict HTTP/1.1\r\nHost: test\r\n\r\n', 411, 'body: Content-Length required'],
      ['POST /predict HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', 411, 'chunked request bodies are not accepted'],
      ['POST /predict HTTP/1.1\r\nHost: test\r\nContent-Length: 99999999\r\n\r\n', 413, 'body: larger than 16777216 bytes'],
      ['POST /predict HTTP/1.1\r\nHost: test\r\nContent-Length: ten\r\n\r\n', 400, 'Content-Length must be a non-negative integer'],
      [predictRequest('{"instances": [[1], [2, 3]]}'), 400, 'instances[1]: expected 1 values, got 2'],
      [predictRequest('{"instances": [{"y": 1}]}'), 400, 'instances[0].x: required'],
      [predictRequest('{"instances": [[1]'), 400, 'body: invalid JSON'],
      ['GET /predict HTTP/1.1\r\nHost: test\r\n\r\n', 405, 'use POST /predict'],
      ['POST /health HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n', 405, 'no POST /health'],
      ['GET /nowhere HTTP/1.1\r\nHost: test\r\n\r\n', 404, 'not found: GET /nowhere'],
      ['GET /health HTTP/2.0\r\nHost: test\r\n\r\n', 505, 'is not HTTP/1.0 or HTTP/1.1'],
      [`GET /health HTTP/1.1\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`, 431, 'headers: larger than 65536 bytes'],
    ];
    for (const [request, status, message] of cases) {
      const conn = rawConnection(server.port);
      conn.socket.write(request);
      await until(() => conn.responses().length > 0);
      const [response] = conn.responses();
      expect(response!.status, request.slice(0, 60)).toBe(status);
      expect((JSON.parse(response!.body) as { error: string }).error, request.slice(0, 60)).toContain(message);
      conn.socket.destroy();
    }
  });

  it("answers 500 when the model's answer is not JSON, and goes on serving", async () => {
    const server = await serveProbe(0, {}, 'OddAnswers');
    const odd = await server.predict([13]);
    expect(odd.status).toBe(500);
    expect(odd.body.error).toContain('predict failed: answer is not JSON');
    expect((await server.predict([1, 2])).body.predictions).toEqual([1, 2]);
  });

  it('serves from several worker processes on one port, and stops them all on SIGTERM', async () => {
    const server = await serveProbe(0, { KILN_SERVE_WORKERS: '2' });
    const seen = new Map<number, number>();
    // Each on a new connection: the kernel spreads connections, not requests, across the workers.
    for (let i = 0; i < 24 && seen.size < 2; i++) {
      const conn = rawConnection(server.port);
      conn.socket.write('GET /health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n');
      await until(() => conn.closed);
      const { server: stats } = JSON.parse(conn.responses()[0]!.body) as { server: Record<string, number> };
      seen.set(stats.worker!, stats.pid!);
    }
    expect([...seen.keys()].sort()).toEqual([0, 1]);
    expect(new Set(seen.values()).size).toBe(2);
    const answers = await Promise.all([1, 2, 3, 4].map((x) => server.predict([x])));
    expect(answers.map((a) => a.body.predictions)).toEqual([1, 2, 3, 4].map((x) => [[x, expect.any(Number)]]));
    // Told to the API, which keeps two calls in flight per worker (api/prediction-coalescer.ts).
    expect(answers.map((a) => a.workers)).toEqual(['2', '2', '2', '2']);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.stdout).toContain('kiln: server stopped');
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect([...seen.values()].filter(alive)).toEqual([]);
  });

  it('exits 2 naming the setting when a KILN_SERVE_* value is out of range', async () => {
    const failed = await serveProbe(0, { KILN_SERVE_WORKERS: '0' }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toContain("kiln: KILN_SERVE_WORKERS: expected an integer from 1 to 64, got '0'");
  });
});
