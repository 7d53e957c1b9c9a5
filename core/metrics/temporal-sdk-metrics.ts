import { createServer } from 'node:net';

let sdkMetricsAddress: string | undefined;

/** A free loopback address for the Temporal SDK's own Prometheus exporter, which only this process reads. */
export async function reserveSdkMetricsAddress(): Promise<string> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  return `127.0.0.1:${port}`;
}

/** Where the installed runtime exports them (set once it is installed with that address). */
export function useSdkMetricsAddress(address: string): void {
  sdkMetricsAddress = address;
}

/**
 * What the SDK's exporter (workers, polls, task latencies, `temporal_*`) holds now, appended to
 * Kiln's own /metrics so one scrape gets both; empty when this process runs no worker runtime.
 */
export async function sdkMetricsText(): Promise<string> {
  if (!sdkMetricsAddress) return '';
  const response = await fetch(`http://${sdkMetricsAddress}/metrics`, { signal: AbortSignal.timeout(2_000) });
  return response.ok ? await response.text() : '';
}
