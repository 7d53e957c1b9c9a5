import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the stand-in answers one caller's instances. */
export type StandInAnswer = (instances: unknown[]) => { status: number; body: unknown };

/**
 * A model server stand-in on loopback: `/predict` answers `answer(instances)`; with `many`,
 * `/predict/many` answers each line as `/predict` would (sdk/python/kiln_sdk/serve_many.py),
 * else 404 as a server from before it. Counts the callers' predictions it answered (`requests`,
 * a line of a `/predict/many` included) and the `/predict/many` requests.
 */
export interface StandIn {
  url: string;
  requests: number;
  manyRequests: number;
  /** Each `/predict/many` body as received. */
  manyBodies: string[];
  server: Server;
}

export async function modelServerStandIn(
  answer: StandInAnswer,
  options: { many?: boolean; delayMs?: number; headers?: Record<string, string> } = {},
): Promise<StandIn> {
  const standIn = { url: '', requests: 0, manyRequests: 0, manyBodies: [] } as unknown as StandIn;
  standIn.server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', async () => {
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      const instancesOf = (json: string) => (JSON.parse(json) as { instances: unknown[] }).instances;
      if (req.url === '/predict') {
        standIn.requests += 1;
        const { status, body } = answer(instancesOf(text));
        res.writeHead(status, { 'content-type': 'application/json', ...options.headers }).end(JSON.stringify(body));
      } else if (req.url === '/predict/many' && options.many) {
        standIn.manyRequests += 1;
        standIn.manyBodies.push(text);
        const parts = text.split('\n').map((line) => answer(instancesOf(line)));
        standIn.requests += parts.length;
        res
          .writeHead(200, { 'content-type': 'application/x-ndjson', 'x-kiln-statuses': parts.map((p) => p.status).join(','), ...options.headers })
          .end(parts.map((p) => JSON.stringify(p.body)).join('\n'));
      } else res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `not found: ${req.method} ${req.url}` }));
    });
  });
  await new Promise<void>((r) => standIn.server.listen(0, '127.0.0.1', r));
  standIn.url = `http://127.0.0.1:${(standIn.server.address() as AddressInfo).port}`;
  return standIn;
}
