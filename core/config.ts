import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The one place that reads the process environment. Everything else receives a KilnConfig.
 * Resolution order: explicit override > environment variable > default.
 */
export const ENV_NAMES = {
  home: 'KILN_HOME',
  toolsDir: 'KILN_TOOLS_DIR',
  temporalAddress: 'TEMPORAL_ADDRESS',
  temporalNamespace: 'TEMPORAL_NAMESPACE',
  temporalPort: 'KILN_TEMPORAL_PORT',
  temporalUiPort: 'KILN_TEMPORAL_UI_PORT',
  temporalUiUrl: 'KILN_TEMPORAL_UI_URL',
  taskQueue: 'KILN_TASK_QUEUE',
  apiUrl: 'KILN_API_URL',
  apiPort: 'KILN_API_PORT',
  apiHost: 'KILN_API_HOST',
  bundleFromSource: 'KILN_BUNDLE_FROM_SOURCE',
  databaseUrl: 'KILN_DATABASE_URL',
  artifactsUrl: 'KILN_ARTIFACTS_URL',
  s3Endpoint: 'KILN_S3_ENDPOINT',
  s3Bucket: 'KILN_S3_BUCKET',
  s3AccessKey: 'KILN_S3_ACCESS_KEY',
  s3SecretKey: 'KILN_S3_SECRET_KEY',
} as const;

export interface KilnConfig {
  /** Data directory: SQLite file, artifacts, environments, the dev server's database. Default `./.kiln`. */
  home: string;
  /** Per-user cache of pinned tools (Temporal CLI, uv). Default `~/.cache/kiln/tools`. */
  toolsDir: string;
  /** External Temporal frontend; when unset Kiln supervises its own dev server. */
  temporalAddress: string | undefined;
  temporalNamespace: string;
  /** Ports of the supervised dev server (frontend, Web UI). */
  temporalPort: number;
  temporalUiPort: number;
  /** Web UI of an external Temporal (for run links); the dev server's own UI otherwise. */
  temporalUiUrl: string | undefined;
  taskQueue: string;
  apiHost: string;
  apiPort: number;
  /** Where the CLI finds the API; default `http://<apiHost>:<apiPort>`. */
  apiUrl: string;
  /** The repository root (holds sdk/python, scripts/tool-versions.sh). */
  installDir: string;
  /** Bundle workflows from sources even when a prebuilt bundle exists (`KILN_BUNDLE_FROM_SOURCE=1`). Default false. */
  bundleFromSource: boolean;
  /** `mysql://user:password@host:port/database`; unset means embedded SQLite in the data directory. */
  databaseUrl: string | undefined;
  /**
   * `s3://access:secret@host:port/bucket` (MinIO, SeaweedFS, any S3); unset means the filesystem
   * store in the data directory. Also assembled from KILN_S3_ENDPOINT/BUCKET/ACCESS_KEY/SECRET_KEY.
   */
  artifactsUrl: string | undefined;
}

export type ConfigOverrides = Partial<KilnConfig>;

export const INSTALL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), upToInstallDir());

// Compiled files live one level deeper (dist/core/config.js) than sources (core/config.ts).
function upToInstallDir(): string {
  return fileURLToPath(import.meta.url).includes(`${'/'}dist${'/'}`) ? '../..' : '..';
}

export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): KilnConfig {
  const home = resolve(overrides.home ?? env[ENV_NAMES.home] ?? '.kiln');
  const apiHost = overrides.apiHost ?? env[ENV_NAMES.apiHost] ?? '127.0.0.1';
  const apiPort = overrides.apiPort ?? intFrom(env[ENV_NAMES.apiPort], ENV_NAMES.apiPort) ?? 8580;
  const config: KilnConfig = {
    home,
    toolsDir: resolve(
      overrides.toolsDir ?? env[ENV_NAMES.toolsDir] ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kiln', 'tools'),
    ),
    temporalAddress: overrides.temporalAddress ?? (env[ENV_NAMES.temporalAddress] || undefined),
    temporalNamespace: overrides.temporalNamespace ?? env[ENV_NAMES.temporalNamespace] ?? 'default',
    temporalPort: overrides.temporalPort ?? intFrom(env[ENV_NAMES.temporalPort], ENV_NAMES.temporalPort) ?? 7233,
    temporalUiPort: overrides.temporalUiPort ?? intFrom(env[ENV_NAMES.temporalUiPort], ENV_NAMES.temporalUiPort) ?? 8233,
    temporalUiUrl: overrides.temporalUiUrl ?? (env[ENV_NAMES.temporalUiUrl] || undefined),
    taskQueue: overrides.taskQueue ?? env[ENV_NAMES.taskQueue] ?? 'kiln',
    apiHost,
    apiPort,
    apiUrl: overrides.apiUrl ?? env[ENV_NAMES.apiUrl] ?? `http://${apiHost}:${apiPort}`,
    installDir: overrides.installDir ?? INSTALL_DIR,
    bundleFromSource: overrides.bundleFromSource ?? env[ENV_NAMES.bundleFromSource] === '1',
    databaseUrl: overrides.databaseUrl ?? (env[ENV_NAMES.databaseUrl] || undefined),
    artifactsUrl: overrides.artifactsUrl ?? (env[ENV_NAMES.artifactsUrl] || s3UrlFromParts(env)),
  };
  return Object.freeze(config);
}

function intFrom(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}: expected a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/** Paths inside the data directory, in one place. */
export function homePaths(home: string) {
  return {
    database: join(home, 'kiln.sqlite'),
    artifacts: join(home, 'artifacts'),
    environments: join(home, 'environments'),
    work: join(home, 'work'),
    temporalDb: join(home, 'temporal', 'temporal.sqlite'),
    logs: join(home, 'logs'),
  };
}

/** The artifact store URL from separate S3 variables, when the endpoint and bucket are given. */
function s3UrlFromParts(env: NodeJS.ProcessEnv): string | undefined {
  const endpoint = env[ENV_NAMES.s3Endpoint];
  const bucket = env[ENV_NAMES.s3Bucket];
  if (!endpoint || !bucket) return undefined;
  const secure = endpoint.startsWith('https://');
  const host = endpoint.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const credentials = `${encodeURIComponent(env[ENV_NAMES.s3AccessKey] ?? '')}:${encodeURIComponent(env[ENV_NAMES.s3SecretKey] ?? '')}`;
  return `s3://${credentials}@${host}/${encodeURIComponent(bucket)}${secure ? '' : '?secure=false'}`;
}
