import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WorkspaceProxy } from './workspace-proxy.js';

/** The Fastify options the server is made from (those Fastify itself would apply to its own server). */
interface ServerSettings {
  http?: ServerOptions | null;
  keepAliveTimeout?: number;
  requestTimeout?: number;
  connectionTimeout?: number;
}

/**
 * The API's HTTP server when workspaces are proxied: `/workspaces/...` goes to the proxy before
 * Fastify sees it (a workspace's bodies are streamed through, never parsed as the API's JSON),
 * everything else to Fastify's router. Upgrades (websockets) exist only for workspaces.
 */
export function serverWithWorkspaces(
  fastifyHandler: (req: IncomingMessage, res: ServerResponse) => void,
  settings: ServerSettings,
  proxy: WorkspaceProxy,
): Server {
  const server = createServer(settings.http ?? {}, (req, res) => (WorkspaceProxy.handles(req.url) ? proxy.web(req, res) : fastifyHandler(req, res)));
  if (settings.keepAliveTimeout !== undefined) server.keepAliveTimeout = settings.keepAliveTimeout;
  if (settings.requestTimeout !== undefined) server.requestTimeout = settings.requestTimeout;
  if (settings.connectionTimeout !== undefined) server.setTimeout(settings.connectionTimeout);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (WorkspaceProxy.handles(req.url)) proxy.upgrade(req, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  return server;
}
