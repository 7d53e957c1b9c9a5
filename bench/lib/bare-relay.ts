import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The least a relay in Node can do, for reference beside the API's predict route: a `node:http`
 * server that passes each body to the model server over kept-alive connections (as the route's
 * pool does) and its answer back, with no authentication, validation, routing or counting.
 */
export interface BareRelay {
  /** Its `/predict` URL. */
  url: string;
  close(): Promise<void>;
}

export async function startBareRelay(modelServerUrl: string): Promise<BareRelay> {
  const upstream = new URL(modelServerUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = { 'content-type': 'application/json', 'content-length': body.length };
      const out = request({ host: upstream.hostname, port: upstream.port, path: '/predict', method: 'POST', agent, headers }, (answer) => {
        const back: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => back.push(chunk));
        answer.on('end', () => {
          const text = Buffer.concat(back);
          res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json', 'content-length': text.length });
          res.end(text);
        });
      });
      out.on('error', () => res.writeHead(502).end());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/predict`,
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
