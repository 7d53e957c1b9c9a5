import { ENV_NAMES } from '../../config.js';
import { BackendUnavailableError } from '../../errors.js';
import { mysqlAddress, type MysqlTarget } from './mysql-url.js';

/** Why a connection failed, by the stable `code` mysql2 and Node put on their errors. */
const CONNECT_PROBLEMS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
  PROTOCOL_CONNECTION_LOST: 'the server closed the connection',
};

/**
 * Turns a failure to connect or to run the first query into one line naming the server and
 * the likely fix. Never includes the password.
 */
export function mysqlUnavailable(error: unknown, target: MysqlTarget): BackendUnavailableError {
  const at = mysqlAddress(target);
  const code = errorCode(error);
  const url = ENV_NAMES.databaseUrl;
  const problems: Record<string, string> = {
    ER_ACCESS_DENIED_ERROR: `access denied for user "${target.user}" at ${at} (check the password in ${url})`,
    ER_DBACCESS_DENIED_ERROR: `user "${target.user}" may not use database "${target.database}" at ${at} (grant it access, or fix the name in ${url})`,
    ER_BAD_DB_ERROR: `database "${target.database}" does not exist at ${at} (create it, or fix the name in ${url})`,
    ER_CON_COUNT_ERROR: `MySQL at ${at} has too many connections`,
    ER_HOST_NOT_PRIVILEGED: `MySQL at ${at} does not accept connections from this host`,
  };
  const connect = code === undefined ? undefined : CONNECT_PROBLEMS[code];
  const message =
    (code !== undefined ? problems[code] : undefined) ??
    (connect !== undefined ? `cannot reach MySQL at ${at} (${connect})` : `cannot use MySQL at ${at} (${code ?? firstLine(error)})`);
  return new BackendUnavailableError('database', message, { cause: error });
}

/** Node reports a refused connection to a name with several addresses as an AggregateError. */
function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const inner = (error as { errors?: unknown }).errors;
  return Array.isArray(inner) ? errorCode(inner[0]) : undefined;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] || 'unknown error';
}
