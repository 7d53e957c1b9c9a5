import { HttpRequestError } from './http-request-error.js';

/** Names every Kiln API answers to, whatever else is configured. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD_HOSTS = ['0.0.0.0', '::', '[::]'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The host names (lower case, IPv6 in brackets) a server bound to `bindHost` answers to. */
export function allowedHostNames(bindHost: string, extra: readonly string[] = []): Set<string> {
  const bind = bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost;
  return new Set([...LOOPBACK_HOSTS, ...(WILDCARD_HOSTS.includes(bind) ? [] : [bind]), ...extra].map((h) => h.toLowerCase()));
}

/**
 * Refuses a request whose `Host` is not allowed (421: a DNS-rebinding page reaches us under its own
 * name) or whose browser `Origin` is not our own on a mutating method (403: cross-site request forgery).
 */
export function checkHostAndOrigin(request: { method: string; headers: Record<string, string | string[] | undefined> }, allowed: ReadonlySet<string>): void {
  const host = request.headers.host;
  const hostname = typeof host === 'string' ? hostnameOf(host) : undefined;
  if (!hostname || !allowed.has(hostname)) {
    throw new HttpRequestError(421, 'MisdirectedRequest', `host ${JSON.stringify(host ?? '')} is not served here (allow it with KILN_API_ALLOWED_HOSTS)`, [
      { path: 'headers.host', message: 'not an allowed host' },
    ]);
  }
  const origin = request.headers.origin;
  if (origin === undefined || SAFE_METHODS.has(request.method)) return;
  // The Host is allowed, so the API's own origin is the one a page served under that Host would send.
  if (origin !== `http://${host}` && origin !== `https://${host}`) {
    throw new HttpRequestError(403, 'ForbiddenOrigin', `cross-origin ${request.method} from ${JSON.stringify(origin)} refused`, [
      { path: 'headers.origin', message: "not the API's own origin" },
    ]);
  }
}

/** Host header values already read, and the host name each names: a URL parse per request was 1.5% of the predict route's CPU. */
const hostnames = new Map<string, string | undefined>();
/** Any client may send any Host: the map starts over rather than grow. */
const MAX_REMEMBERED_HOSTS = 256;

function hostnameOf(host: string): string | undefined {
  if (hostnames.has(host)) return hostnames.get(host);
  let hostname: string | undefined;
  try {
    hostname = new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    hostname = undefined;
  }
  if (hostnames.size >= MAX_REMEMBERED_HOSTS) hostnames.clear();
  hostnames.set(host, hostname);
  return hostname;
}
