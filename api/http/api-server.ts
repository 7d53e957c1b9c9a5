import { createServer, type IncomingMessage, type Server } from 'node:http';
import { SpecValidationError } from '../../core/errors.js';
import { errorResponse } from './error-response.js';
import type { Route } from './routes.js';

const MAX_BODY_BYTES = 1 << 20;

/** A small JSON-over-HTTP server for the route table. */
export async function startApiServer(routes: Route[], host: string, port: number): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const compiled = routes.map((route) => ({ route, pattern: new RegExp(`^${route.path.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`) }));
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let status = 404;
    let payload: unknown = { error: { type: 'NotFound', message: `no route ${req.method} ${url.pathname}` } };
    const match = compiled.find((c) => c.route.method === req.method && c.pattern.test(url.pathname));
    if (match) {
      try {
        const params = Object.fromEntries(Object.entries(match.pattern.exec(url.pathname)?.groups ?? {}).map(([k, v]) => [k, decodePathParam(k, v)]));
        const body = req.method === 'POST' ? await readJson(req) : undefined;
        payload = await match.route.handle({ params, query: url.searchParams, body, headers: req.headers });
        status = match.route.status ?? 200;
      } catch (error) {
        ({ status, body: payload } = errorResponse(error));
      }
    }
    const text = JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    url: `http://${host}:${actualPort}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new SpecValidationError([{ path: 'body', message: `larger than ${MAX_BODY_BYTES} bytes` }]);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new SpecValidationError([{ path: 'body', message: 'not valid JSON' }]);
  }
}

function decodePathParam(name: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new SpecValidationError([{ path: name, message: `not a valid URL-encoded value: ${JSON.stringify(value)}` }]);
  }
}
