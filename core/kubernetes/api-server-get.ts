import type { KubeConfig } from '@kubernetes/client-node';
import { request as httpRequest } from 'node:http';
import { type RequestOptions, request as httpsRequest } from 'node:https';

/**
 * A GET on the API server with the kubeconfig's credentials and TLS settings, for the paths the
 * typed clients do not cover with a query string: a pod's proxy subresource
 * (`/api/v1/namespaces/<ns>/pods/<pod>:<port>/proxy/<path>?<query>`), which reaches a pod from
 * outside the cluster as well as from inside.
 */
export async function apiServerGet(config: KubeConfig, path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  const server = config.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig names no cluster');
  const url = new URL(path, server);
  const options: RequestOptions = { method: 'GET', headers: {} };
  await config.applyToHTTPSOptions(options);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  // The kubeconfig's agent is a TLS one: a plain-HTTP server (a local proxy) needs the default.
  if (url.protocol !== 'https:') delete options.agent;
  return new Promise((resolve, reject) => {
    const req = send(url, { ...options, signal: AbortSignal.timeout(timeoutMs) }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
