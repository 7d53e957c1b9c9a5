import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubernetesSettings } from './kubernetes/kubernetes-settings.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevelName } from './logging/kiln-log.js';

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
  apiAllowedHosts: 'KILN_API_ALLOWED_HOSTS',
  token: 'KILN_TOKEN',
  credentialsFile: 'KILN_CREDENTIALS_FILE',
  oidcIssuer: 'KILN_OIDC_ISSUER',
  oidcAudience: 'KILN_OIDC_AUDIENCE',
  oidcJwksUrl: 'KILN_OIDC_JWKS_URL',
  oidcUserClaim: 'KILN_OIDC_USER_CLAIM',
  oidcTeamClaim: 'KILN_OIDC_TEAM_CLAIM',
  dataRoots: 'KILN_DATA_ROOTS',
  bundleFromSource: 'KILN_BUNDLE_FROM_SOURCE',
  databaseUrl: 'KILN_DATABASE_URL',
  artifactsUrl: 'KILN_ARTIFACTS_URL',
  s3Endpoint: 'KILN_S3_ENDPOINT',
  s3Bucket: 'KILN_S3_BUCKET',
  s3AccessKey: 'KILN_S3_ACCESS_KEY',
  s3SecretKey: 'KILN_S3_SECRET_KEY',
  executor: 'KILN_EXECUTOR',
  kubeconfig: 'KILN_K8S_KUBECONFIG',
  k8sNamespace: 'KILN_K8S_NAMESPACE',
  k8sKilnImage: 'KILN_K8S_KILN_IMAGE',
  k8sImageRegistry: 'KILN_K8S_IMAGE_REGISTRY',
  k8sArtifactsSecret: 'KILN_K8S_ARTIFACTS_SECRET',
  k8sNodeSelector: 'KILN_K8S_NODE_SELECTOR',
  k8sTolerations: 'KILN_K8S_TOLERATIONS',
  k8sCodeServerImage: 'KILN_K8S_CODE_SERVER_IMAGE',
  gpuSlots: 'KILN_GPU_SLOTS',
  stageIo: 'KILN_STAGE_IO',
  stageRoot: 'KILN_STAGE_ROOT',
  servingIo: 'KILN_SERVING_IO',
  servingRoot: 'KILN_SERVING_ROOT',
  workspaceIo: 'KILN_WORKSPACE_IO',
  workspaceRoot: 'KILN_WORKSPACE_ROOT',
  predictionRetentionDays: 'KILN_PREDICTION_RETENTION_DAYS',
  adminTokenFile: 'KILN_ADMIN_TOKEN_FILE',
  metricsAddress: 'KILN_METRICS_ADDRESS',
  mlflowUrl: 'KILN_MLFLOW_URL',
  mlflowToken: 'KILN_MLFLOW_TOKEN',
  mlflowTokenFile: 'KILN_MLFLOW_TOKEN_FILE',
  workspaceCheckSeconds: 'KILN_WORKSPACE_CHECK_SECONDS',
  logFormat: 'KILN_LOG_FORMAT',
  logLevel: 'KILN_LOG_LEVEL',
  // The OpenTelemetry names, so a collector set up for other services works unchanged.
  otlpEndpoint: 'OTEL_EXPORTER_OTLP_ENDPOINT',
  otlpTracesEndpoint: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  serviceName: 'OTEL_SERVICE_NAME',
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
  /**
   * Host names (no port) the API answers besides loopback names, its bind address and the host of
   * `apiUrl`; any other `Host` header is refused (DNS rebinding). From comma-separated
   * `KILN_API_ALLOWED_HOSTS`; default none.
   */
  apiAllowedHosts: string[];
  /** The CLI's API token for a remote API (`KILN_TOKEN`); unset: `kiln login`'s, then the data directory's admin token. */
  token: string | undefined;
  /** Where `kiln login` keeps tokens by API URL (0600). Default `~/.config/kiln/credentials.json`. */
  credentialsFile: string;
  /** OIDC/JWT bearer tokens accepted besides API tokens; unset unless issuer, audience and JWKS URL are all given. */
  oidc: OidcSettings | undefined;
  /**
   * Directories dataset files and project source directories must lie in (after resolving
   * symlinks); nothing else on the server can be registered. From colon-separated absolute
   * paths in `KILN_DATA_ROOTS` (like PATH); default: the working directory of this process
   * and the bundled `examples/`. `/` is never a root.
   */
  dataRoots: string[];
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
  /** Where stages run: this machine (`local`, default) or Kubernetes Jobs (`KILN_EXECUTOR=kubernetes`). */
  executor: 'local' | 'kubernetes';
  /** Cluster settings; set when `executor` is `kubernetes`. */
  kubernetes: KubernetesSettings | undefined;
  /** Inside a stage pod (`kiln stage-io`): the plan and workspace root its init container and sidecar use. */
  stageIo: { plan: string | undefined; root: string | undefined };
  /** Inside a model-server pod (`kiln serving-io`): the plan and serving root its init container uses. */
  servingIo: { plan: string | undefined; root: string | undefined };
  /** Inside a workspace pod (`kiln workspace-io`): the plan and volume root its init container and sidecar use. */
  workspaceIo: { plan: string | undefined; root: string | undefined };
  /** Days logged predictions are kept in the artifact store (`KILN_PREDICTION_RETENTION_DAYS`). Default 30. */
  predictionRetentionDays: number;
  /** A provisioned token for the bootstrap admin (`KILN_ADMIN_TOKEN_FILE`), instead of one generated into the data directory. */
  adminTokenFile: string | undefined;
  /** Where a process without the API serves /metrics (`KILN_METRICS_ADDRESS`, host:port); unset: nowhere. */
  metricsAddress: string | undefined;
  /** Export runs, model versions and aliases to an MLflow tracking server (`KILN_MLFLOW_URL`); unset: no export. */
  mlflow: MlflowSettings | undefined;
  /**
   * Seconds between two looks of a workspace workflow at its server (health, last activity)
   * (`KILN_WORKSPACE_CHECK_SECONDS`): an idle workspace stops within idle_timeout plus this. Default 30.
   */
  workspaceCheckSeconds: number;
  /** Log lines (core/logging/kiln-log.ts): `KILN_LOG_FORMAT` json|pretty and `KILN_LOG_LEVEL`; unset, each command picks. */
  log: { format: LogFormat | undefined; level: LogLevelName | undefined };
  /** OpenTelemetry traces (core/tracing/); off unless an OTLP endpoint is set. */
  tracing: TracingSettings;
}

export interface TracingSettings {
  /**
   * OTLP/HTTP traces URL: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given, else
   * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`; unset: no traces are recorded.
   */
  endpoint: string | undefined;
  /** `service.name` of this process's spans (`OTEL_SERVICE_NAME`); default `kiln`. */
  serviceName: string;
}

export interface OidcSettings {
  /** Required `iss` claim (`KILN_OIDC_ISSUER`). */
  issuer: string;
  /** Required `aud` claim (`KILN_OIDC_AUDIENCE`). */
  audience: string;
  /** Where the issuer's signing keys are served (`KILN_OIDC_JWKS_URL`). */
  jwksUrl: string;
  /** The claim that names the user (`KILN_OIDC_USER_CLAIM`); default `sub`. */
  userClaim: string;
  /** A claim naming the user's team (`KILN_OIDC_TEAM_CLAIM`); default none. */
  teamClaim: string | undefined;
}

export interface MlflowSettings {
  /** The tracking server's base URL (`KILN_MLFLOW_URL`), e.g. `http://mlflow:5000`. */
  url: string;
  /** Bearer token (`KILN_MLFLOW_TOKEN`); read by the worker only, never part of a workflow's input. */
  token: string | undefined;
  /** A file holding the token (`KILN_MLFLOW_TOKEN_FILE`, e.g. a mounted Secret), read when the export starts. */
  tokenFile: string | undefined;
  /** Between export passes; default 10 s. */
  intervalMs: number;
}

export type ConfigOverrides = Partial<KilnConfig>;

export const INSTALL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), upToInstallDir());

// Compiled files live one level deeper (dist/core/config.js) than sources (core/config.ts).
function upToInstallDir(): string {
  return fileURLToPath(import.meta.url).includes(`${'/'}dist${'/'}`) ? '../..' : '..';
}

/**
 * A secret the worker holds in an environment variable a spec names (`monitoring.alert.secret_env`):
 * read when used, never stored in a spec, a workflow's input or its history.
 */
export function secretFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[name] || undefined;
}

export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): KilnConfig {
  const home = resolve(overrides.home ?? env[ENV_NAMES.home] ?? '.kiln');
  const apiHost = overrides.apiHost ?? env[ENV_NAMES.apiHost] ?? '127.0.0.1';
  const apiPort = overrides.apiPort ?? intFrom(env[ENV_NAMES.apiPort], ENV_NAMES.apiPort) ?? 8580;
  const config: KilnConfig & { kubernetes: KubernetesSettings | undefined } = {
    home,
    toolsDir: resolve(overrides.toolsDir ?? env[ENV_NAMES.toolsDir] ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kiln', 'tools')),
    temporalAddress: overrides.temporalAddress ?? (env[ENV_NAMES.temporalAddress] || undefined),
    temporalNamespace: overrides.temporalNamespace ?? env[ENV_NAMES.temporalNamespace] ?? 'default',
    temporalPort: overrides.temporalPort ?? intFrom(env[ENV_NAMES.temporalPort], ENV_NAMES.temporalPort) ?? 7233,
    temporalUiPort: overrides.temporalUiPort ?? intFrom(env[ENV_NAMES.temporalUiPort], ENV_NAMES.temporalUiPort) ?? 8233,
    temporalUiUrl: overrides.temporalUiUrl ?? (env[ENV_NAMES.temporalUiUrl] || undefined),
    taskQueue: overrides.taskQueue ?? env[ENV_NAMES.taskQueue] ?? 'kiln',
    apiHost,
    apiPort,
    apiUrl: overrides.apiUrl ?? env[ENV_NAMES.apiUrl] ?? `http://${apiHost}:${apiPort}`,
    apiAllowedHosts: overrides.apiAllowedHosts ?? listFrom(env[ENV_NAMES.apiAllowedHosts]),
    token: overrides.token ?? (env[ENV_NAMES.token] || undefined),
    oidc: overrides.oidc ?? oidcFrom(env),
    credentialsFile: resolve(
      overrides.credentialsFile ?? env[ENV_NAMES.credentialsFile] ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'kiln', 'credentials.json'),
    ),
    installDir: overrides.installDir ?? INSTALL_DIR,
    dataRoots: overrides.dataRoots ?? dataRootsFrom(env[ENV_NAMES.dataRoots], overrides.installDir ?? INSTALL_DIR),
    bundleFromSource: overrides.bundleFromSource ?? env[ENV_NAMES.bundleFromSource] === '1',
    databaseUrl: overrides.databaseUrl ?? (env[ENV_NAMES.databaseUrl] || undefined),
    artifactsUrl: overrides.artifactsUrl ?? (env[ENV_NAMES.artifactsUrl] || s3UrlFromParts(env)),
    executor: overrides.executor ?? executorFrom(env[ENV_NAMES.executor]),
    kubernetes: undefined,
    stageIo: overrides.stageIo ?? { plan: env[ENV_NAMES.stageIo], root: env[ENV_NAMES.stageRoot] || undefined },
    servingIo: overrides.servingIo ?? { plan: env[ENV_NAMES.servingIo], root: env[ENV_NAMES.servingRoot] || undefined },
    workspaceIo: overrides.workspaceIo ?? { plan: env[ENV_NAMES.workspaceIo], root: env[ENV_NAMES.workspaceRoot] || undefined },
    predictionRetentionDays: overrides.predictionRetentionDays ?? intFrom(env[ENV_NAMES.predictionRetentionDays], ENV_NAMES.predictionRetentionDays) ?? 30,
    adminTokenFile: overrides.adminTokenFile ?? (env[ENV_NAMES.adminTokenFile] || undefined),
    metricsAddress: overrides.metricsAddress ?? (env[ENV_NAMES.metricsAddress] || undefined),
    mlflow: overrides.mlflow ?? mlflowFrom(env),
    workspaceCheckSeconds: overrides.workspaceCheckSeconds ?? intFrom(env[ENV_NAMES.workspaceCheckSeconds], ENV_NAMES.workspaceCheckSeconds) ?? 30,
    log: overrides.log ?? {
      format: oneOf(env[ENV_NAMES.logFormat], LOG_FORMATS, ENV_NAMES.logFormat),
      level: oneOf(env[ENV_NAMES.logLevel], LOG_LEVELS, ENV_NAMES.logLevel),
    },
    tracing: overrides.tracing ?? tracingFrom(env),
  };
  config.kubernetes = overrides.kubernetes ?? (config.executor === 'kubernetes' ? kubernetesFrom(env) : undefined);
  return Object.freeze(config);
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (!value) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`${name}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
}

function executorFrom(value: string | undefined): KilnConfig['executor'] {
  if (!value || value === 'local') return 'local';
  if (value === 'kubernetes') return 'kubernetes';
  throw new Error(`${ENV_NAMES.executor}: expected "local" or "kubernetes", got ${JSON.stringify(value)}`);
}

/** KubernetesSettings from KILN_K8S_* (JSON for the node selector and tolerations); errors name the variable. */
function kubernetesFrom(env: NodeJS.ProcessEnv): KubernetesSettings {
  const json = (name: string) => {
    const text = env[name];
    if (!text) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error(`${name}: expected JSON, got ${JSON.stringify(text)}`);
    }
  };
  const input = {
    kubeconfig: env[ENV_NAMES.kubeconfig] || env.KUBECONFIG || undefined,
    namespace: env[ENV_NAMES.k8sNamespace] || undefined,
    kilnImage: env[ENV_NAMES.k8sKilnImage] || undefined,
    imageRegistry: env[ENV_NAMES.k8sImageRegistry] || undefined,
    artifactsSecret: env[ENV_NAMES.k8sArtifactsSecret] || undefined,
    nodeSelector: json(ENV_NAMES.k8sNodeSelector),
    tolerations: json(ENV_NAMES.k8sTolerations),
    gpuSlots: env[ENV_NAMES.gpuSlots] ? Number(env[ENV_NAMES.gpuSlots]) : undefined,
    codeServerImage: env[ENV_NAMES.k8sCodeServerImage] || undefined,
  };
  const parsed = KubernetesSettings.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`Kubernetes settings (KILN_K8S_*, KILN_GPU_SLOTS): ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/** OIDC settings when any KILN_OIDC_* is set; a partial set is an error naming what is missing. */
function oidcFrom(env: NodeJS.ProcessEnv): OidcSettings | undefined {
  const issuer = env[ENV_NAMES.oidcIssuer] || undefined;
  const audience = env[ENV_NAMES.oidcAudience] || undefined;
  const jwksUrl = env[ENV_NAMES.oidcJwksUrl] || undefined;
  if (!issuer && !audience && !jwksUrl) return undefined;
  const missing = [
    [ENV_NAMES.oidcIssuer, issuer],
    [ENV_NAMES.oidcAudience, audience],
    [ENV_NAMES.oidcJwksUrl, jwksUrl],
  ]
    .filter(([, v]) => !v)
    .map(([n]) => n);
  if (missing.length) throw new Error(`OIDC: set ${missing.join(' and ')} too (or none of KILN_OIDC_*)`);
  try {
    new URL(jwksUrl!);
  } catch {
    throw new Error(`${ENV_NAMES.oidcJwksUrl}: expected a URL, got ${JSON.stringify(jwksUrl)}`);
  }
  return {
    issuer: issuer!,
    audience: audience!,
    jwksUrl: jwksUrl!,
    userClaim: env[ENV_NAMES.oidcUserClaim] || 'sub',
    teamClaim: env[ENV_NAMES.oidcTeamClaim] || undefined,
  };
}

function mlflowFrom(env: NodeJS.ProcessEnv): MlflowSettings | undefined {
  const url = env[ENV_NAMES.mlflowUrl]?.trim();
  if (!url) return undefined;
  if (!/^https?:\/\/[^/]/.test(url)) throw new Error(`${ENV_NAMES.mlflowUrl}: expected an http(s) URL such as http://mlflow:5000`);
  return { url, token: env[ENV_NAMES.mlflowToken] || undefined, tokenFile: env[ENV_NAMES.mlflowTokenFile] || undefined, intervalMs: 10_000 };
}

function tracingFrom(env: NodeJS.ProcessEnv): TracingSettings {
  const traces = env[ENV_NAMES.otlpTracesEndpoint] || undefined;
  const base = env[ENV_NAMES.otlpEndpoint] || undefined;
  const endpoint = traces ?? (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (endpoint && !/^https?:\/\//.test(endpoint)) {
    throw new Error(`${traces ? ENV_NAMES.otlpTracesEndpoint : ENV_NAMES.otlpEndpoint}: expected an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  return { endpoint, serviceName: env[ENV_NAMES.serviceName] || 'kiln' };
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
    /** Local model servers' prediction logs before they are shipped: `<model>/v<version>/<hour>/…`. */
    predictionSpool: join(home, 'work', 'prediction-spool'),
    temporalDb: join(home, 'temporal', 'temporal.sqlite'),
    logs: join(home, 'logs'),
    /** Local workspaces: `<name>/files` (the notebook root, kept across stop and start) and `<name>/jupyter` (its server's state). */
    workspaces: join(home, 'workspaces'),
    /** The admin token `kiln up` writes on first start (0600), which the CLI on this data directory uses. */
    adminToken: join(home, 'credentials', 'admin.token'),
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

/**
 * KILN_DATA_ROOTS as absolute directories; unset or empty: the working directory and the
 * bundled examples, so `kiln apply -f examples/…/kiln.json` and `kiln demo` work as they are.
 */
function dataRootsFrom(text: string | undefined, installDir: string): string[] {
  if (!text) return [process.cwd(), join(installDir, 'examples')].map((dir) => resolve(dir)).filter((dir) => dir !== '/');
  return text
    .split(':')
    .filter(Boolean)
    .map((dir) => {
      if (!dir.startsWith('/')) throw new Error(`${ENV_NAMES.dataRoots}: expected absolute directories separated by ":", got ${JSON.stringify(dir)}`);
      const root = resolve(dir);
      if (root === '/')
        throw new Error(`${ENV_NAMES.dataRoots}: "/" would allow every file on the server (such as /etc/passwd); name the directories that hold data and code`);
      return root;
    });
}

function listFrom(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);
}
