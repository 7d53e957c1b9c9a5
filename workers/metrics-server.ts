import { createServer, type Server } from 'node:http';
import { PROMETHEUS_CONTENT_TYPE } from '../api/http/metrics-routes.js';
import { metricsText } from '../core/metrics/kiln-metrics.js';
import { sdkMetricsText } from '../core/metrics/temporal-sdk-metrics.js';

/**
 * `/metrics` of a process without the API (`kiln worker`), on KILN_METRICS_ADDRESS: for
 * Prometheus inside the cluster, no token (it serves counts, no data), nothing else on the port.
 */
export async function startMetricsServer(address: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const { host, port } = parseAddress(address);
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    metricsText(sdkMetricsText).then(
      (text) => response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(text),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  const bound = server.address() as { address: string; port: number };
  return {
    url: `http://${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}/metrics`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function parseAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  const port = Number(address.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`KILN_METRICS_ADDRESS: expected host:port, got ${JSON.stringify(address)}`);
  return { host: address.slice(0, at).replace(/^\[|\]$/g, ''), port };
}
