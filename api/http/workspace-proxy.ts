import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import { ProxyServer } from 'http-proxy-3';
import type { AccessGrant } from '../../core/access/access-grant.js';
import { ConflictError, NotFoundError, UnauthenticatedError } from '../../core/errors.js';
import { errorFields, kilnLog } from '../../core/logging/kiln-log.js';
import { ResourceName } from '../../core/specs/names.js';
import { workspaceProxyPrefix } from '../../core/workspaces/workspace-hosting.js';
import {
  readWorkspacePass,
  SESSION_LIFETIME_MS,
  signWorkspacePass,
  SpentTickets,
  WORKSPACE_TICKET_PARAM,
  type PassHolder,
} from '../../core/workspaces/workspace-pass.js';
import type { ProxyTarget, WorkspacesService } from '../workspaces-service.js';
import { errorResponse } from './error-response.js';
import { HttpRequestError } from './http-request-error.js';
import { checkHostAndOrigin } from './request-guards.js';

const PATH_PREFIX = '/workspaces/';
const SESSION_COOKIE = 'kiln_workspace';

export interface WorkspaceProxyDeps {
  workspaces: Pick<WorkspacesService, 'proxyTarget' | 'mayOpen'>;
  grantOf(holder: PassHolder): Promise<AccessGrant>;
  /** Host names the API answers to (request-guards.ts). */
  allowedHosts: ReadonlySet<string>;
}

/**
 * Workspaces reached through the API, at `/workspaces/<name>/`: HTTP and websockets forwarded to
 * the workspace's server (http-proxy-3) with the server's token added by the proxy, so the
 * browser never holds it. The browser is let in by a session cookie (HttpOnly, SameSite=Strict,
 * scoped to the workspace's path) that a one-time ticket from `GET /v1/workspaces/{name}/open`
 * buys; every request re-checks that its holder still owns the workspace or holds
 * `workspaces:open` on it. Host and Origin are checked as for the API's routes; websockets must
 * come from the API's own origin.
 */
export class WorkspaceProxy {
  private readonly proxy = new ProxyServer({ changeOrigin: true, ws: true });
  private readonly spent = new SpentTickets();
  /** Websockets being relayed: the HTTP server's close does not end them, so `closeAll` does. */
  private readonly relayed = new Set<Duplex>();

  constructor(private readonly deps: WorkspaceProxyDeps) {
    this.proxy.on('error', (error) => kilnLog().warn(errorFields(error), 'kiln: workspace proxy error'));
  }

  /** Requests under `/workspaces/` are the proxy's; the API's routes live under `/v1/`. */
  static handles(url: string | undefined): boolean {
    return url?.startsWith(PATH_PREFIX) ?? false;
  }

  web(req: IncomingMessage, res: ServerResponse): void {
    this.forwardWeb(req, res).catch((error: unknown) => answer(res, error));
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.forwardUpgrade(req, socket, head).catch((error: unknown) => refuseUpgrade(socket, error));
  }

  /** Ends every relayed websocket (the API is stopping; an open notebook tab would hold it up). */
  closeAll(): void {
    for (const socket of this.relayed) socket.destroy();
    this.relayed.clear();
  }

  private async forwardWeb(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { name, url } = locate(req);
    checkHostAndOrigin({ method: req.method ?? 'GET', headers: req.headers }, this.deps.allowedHosts);
    if (url.pathname === PATH_PREFIX + name) return void res.writeHead(308, { location: `${url.pathname}/${url.search}` }).end();
    const target = await this.runningServer(name);
    const ticket = url.searchParams.get(WORKSPACE_TICKET_PARAM);
    if (ticket !== null) return this.tradeTicket(req, res, target, url, ticket);
    await this.admit(req, target);
    this.prepare(req, target);
    this.proxy.web(req, res, { target: new URL(target.url).origin }, (error) => answer(res, unreachable(target, error)));
  }

  private async forwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { name } = locate(req);
    checkHostAndOrigin({ method: req.method ?? 'GET', headers: req.headers }, this.deps.allowedHosts);
    // A page on another site may open a websocket with our cookie attached: only our own origin may.
    const { origin, host } = req.headers;
    if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) {
      throw new HttpRequestError(403, 'ForbiddenOrigin', `websocket from ${JSON.stringify(origin)} refused`, [
        { path: 'headers.origin', message: "not the API's own origin" },
      ]);
    }
    const target = await this.runningServer(name);
    await this.admit(req, target);
    this.prepare(req, target);
    const upstream = new URL(target.url);
    upstream.protocol = upstream.protocol === 'https:' ? 'wss:' : 'ws:';
    this.relayed.add(socket);
    socket.once('close', () => this.relayed.delete(socket));
    this.proxy.ws(req, socket, head, { target: upstream.origin }, (error) => refuseUpgrade(socket, unreachable(target, error)));
  }

  private async runningServer(name: string): Promise<ProxyTarget> {
    const target = await this.deps.workspaces.proxyTarget(name);
    if (!target) throw new ConflictError('workspace', `workspace ${name} is not running (or does not exist); start it with \`kiln workspace start ${name}\``);
    return target;
  }

  /** The ticket's holder gets a session cookie and a page that moves on to the same path without the ticket. */
  private async tradeTicket(req: IncomingMessage, res: ServerResponse, target: ProxyTarget, url: URL, ticket: string): Promise<void> {
    const pass = readWorkspacePass('ticket', ticket, target.name, target.token);
    if (!pass || !this.spent.spend(pass)) {
      throw new UnauthenticatedError(`this link to workspace ${target.name} expired or was used; run \`kiln workspace open ${target.name}\` again`);
    }
    await this.deps.workspaces.mayOpen(target.name, { principal: pass.principal, grant: await this.deps.grantOf(pass.principal) });
    const session = signWorkspacePass('session', target.name, pass.principal, target.token);
    const secure = (req.socket as { encrypted?: boolean }).encrypted === true || req.headers['x-forwarded-proto'] === 'https';
    const cookie = serializeCookie(SESSION_COOKIE, session, {
      path: workspaceProxyPrefix(target.name),
      httpOnly: true,
      sameSite: 'strict',
      secure,
      maxAge: SESSION_LIFETIME_MS / 1000,
    });
    url.searchParams.delete(WORKSPACE_TICKET_PARAM);
    const next = escapeHtml(url.pathname + url.search);
    // A page, not a redirect: a link followed from another site would carry its cross-site
    // context through a redirect, and a SameSite=Strict cookie would not go with it.
    const page = `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${next}"><title>Opening ${target.name}</title><a href="${next}">Open workspace ${target.name}</a>`;
    res
      .writeHead(200, { 'set-cookie': cookie, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' })
      .end(page);
  }

  /** The session cookie is valid for this server's current token, and its holder may still open the workspace. */
  private async admit(req: IncomingMessage, target: ProxyTarget): Promise<void> {
    const cookie = parseCookies(req.headers.cookie ?? '')[SESSION_COOKIE];
    const pass = cookie ? readWorkspacePass('session', cookie, target.name, target.token) : undefined;
    if (!pass) throw new UnauthenticatedError(`no session for workspace ${target.name}: open it with \`kiln workspace open ${target.name}\``);
    await this.deps.workspaces.mayOpen(target.name, { principal: pass.principal, grant: await this.deps.grantOf(pass.principal) });
  }

  /** What the server sees: its token instead of our cookie, its own origin, and for code-server the path without our prefix. */
  private prepare(req: IncomingMessage, target: ProxyTarget): void {
    const cookies = withoutCookie(req.headers.cookie, SESSION_COOKIE);
    delete req.headers.authorization;
    if (target.kind === 'code-server') {
      // code-server's session cookie is the SHA-256 of its password (the token).
      cookies.push(`code-server-session=${createHash('sha256').update(target.token).digest('hex')}`);
      req.url = (req.url ?? '/').slice(workspaceProxyPrefix(target.name).length - 1);
    } else {
      req.headers.authorization = `token ${target.token}`;
    }
    if (cookies.length > 0) req.headers.cookie = cookies.join('; ');
    else delete req.headers.cookie;
    // Checked above against our own host; the server compares it with the Host it is reached by.
    if (req.headers.origin !== undefined) req.headers.origin = new URL(target.url).origin;
  }
}

function locate(req: IncomingMessage): { name: string; url: URL } {
  const url = new URL(req.url ?? '/', 'http://kiln');
  const name = url.pathname.slice(PATH_PREFIX.length).split('/')[0] ?? '';
  if (!ResourceName.safeParse(name).success) throw new NotFoundError('workspace', name);
  return { name, url };
}

/** The Cookie header's pairs but `name`'s, as sent (values are not decoded and re-encoded). */
function withoutCookie(header: string | undefined, name: string): string[] {
  if (!header) return [];
  return header
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '' && pair.split('=')[0]!.trim() !== name);
}

function unreachable(target: ProxyTarget, error: Error): HttpRequestError {
  return new HttpRequestError(502, 'BadGateway', `workspace ${target.name}'s server did not answer: ${error.message}`);
}

function answer(res: ServerResponse, error: unknown): void {
  const { status, body } = errorResponse(error);
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function refuseUpgrade(socket: Duplex, error: unknown): void {
  const { status, body } = errorResponse(error);
  const text = JSON.stringify(body);
  if (!socket.writable) return void socket.destroy();
  socket.end(`HTTP/1.1 ${status} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
