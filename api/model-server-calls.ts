import { Agent, request } from 'node:http';

/**
 * Kept-alive connections to the model servers, reused request after request. An idle one is
 * closed after 10 s, or sooner when the server's `Keep-Alive: timeout=` hint says its own idle
 * limit is shorter (the agent honours it), before the server could close it under a request.
 */
const upstream = new Agent({ keepAlive: true, maxSockets: 64, timeout: 10_000 });

export interface UpstreamAnswer {
  status: number;
  text: string;
  /** A response header's value, lower-case name. */
  header(name: string): string | undefined;
}

/** One POST on a pooled connection (node:http: far less work per request than fetch). */
export function postToModelServer(url: string, body: string, options: { timeoutMs?: number | undefined; contentType?: string } = {}): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...targetOf(url),
        method: 'POST',
        agent: upstream,
        headers: { 'content-type': options.contentType ?? 'application/json', 'content-length': Buffer.byteLength(body) },
        ...(options.timeoutMs ? { signal: AbortSignal.timeout(options.timeoutMs) } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const { headers } = response;
          resolve({
            status: response.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            header: (name) => {
              const value = headers[name];
              return Array.isArray(value) ? value.join(',') : value;
            },
          });
        });
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Each model server's address, parsed once rather than on every request. */
const targets = new Map<string, { hostname: string; port: string; path: string }>();

function targetOf(url: string): { hostname: string; port: string; path: string } {
  let target = targets.get(url);
  if (!target) {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:') throw new Error(`model server URL ${url}: only http is supported`);
    // Bracketed IPv6 hosts (`[::1]`) go to the socket without their brackets.
    target = { hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: parsed.port || '80', path: `${parsed.pathname}${parsed.search}` };
    if (targets.size >= 1_000) targets.clear();
    targets.set(url, target);
  }
  return target;
}
