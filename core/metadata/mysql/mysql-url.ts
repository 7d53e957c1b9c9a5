import { BackendUnavailableError } from '../../errors.js';
import { withEncodedCredentials } from '../../net/url-credentials.js';

/** Where and as whom to connect, from a `mysql://user:password@host:port/database` URL. */
export interface MysqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export const MYSQL_DEFAULT_PORT = 3306;

const FORMAT = 'mysql://user:password@host:port/database';

/**
 * Parses a MySQL URL; user and password may be percent-encoded, and a password may also hold
 * `/`, `?`, `#` or `@` as they are. Messages never echo the URL: it holds a password.
 */
export function parseMysqlUrl(text: string): MysqlTarget {
  let url: URL;
  try {
    url = new URL(withEncodedCredentials(text));
  } catch {
    throw invalid('is not a valid URL');
  }
  if (url.protocol !== 'mysql:') throw invalid(`has scheme "${url.protocol}", expected mysql:`);
  if (!url.hostname) throw invalid('names no host');
  if (!url.username) throw invalid('names no user');
  // Settings nobody reads would be a silent misconfiguration (e.g. a TLS option).
  if (url.search) throw invalid('has query parameters, which Kiln does not support');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) throw invalid('names no database');
  return {
    // URL keeps the brackets of an IPv6 literal; sockets want the bare address.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : MYSQL_DEFAULT_PORT,
    user: decoded(url.username),
    password: decoded(url.password),
    database,
  };
}

/** `host:port`, for messages. */
export function mysqlAddress(target: Pick<MysqlTarget, 'host' | 'port'>): string {
  return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid('holds a "%" that starts no %XX escape in its credentials (write it as %25)');
  }
}

function invalid(problem: string): BackendUnavailableError {
  return new BackendUnavailableError('database', `the database URL ${problem} (expected ${FORMAT})`);
}
