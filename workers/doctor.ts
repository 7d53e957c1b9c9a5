import { cliToken } from '../api/cli/credentials.js';
import { checkArtifactStore } from '../core/artifacts/check-artifact-store.js';
import { homePaths, type KilnConfig } from '../core/config.js';
import { findPythonInterpreter } from '../core/environments/find-python.js';
import { requireTool } from '../core/environments/tool-paths.js';
import { checkDatabase } from '../core/metadata/check-database.js';
import { runningDevServerAddress, waitForFrontend } from '../core/temporal/dev-server.js';

export interface BackendCheck {
  backend: 'temporal' | 'database' | 'artifact store' | 'python runtime' | 'auth';
  ok: boolean;
  /** What was checked and found, or why it failed, in one line. */
  detail: string;
}

/** `kiln doctor`: each configured backend, reachable or not, with the reason. */
export async function runDoctor(config: KilnConfig): Promise<BackendCheck[]> {
  const paths = homePaths(config.home);
  return Promise.all([
    checkTemporal(config),
    checkDatabase(config.databaseUrl, paths.database).then((r) => toCheck('database', r)),
    checkArtifactStore(config.artifactsUrl, paths.artifacts).then((r) => toCheck('artifact store', r)),
    checkPython(config),
    Promise.resolve(checkAuth(config)),
  ]);
}

function toCheck(backend: BackendCheck['backend'], result: { ok: true; description: string } | { ok: false; reason: string }): BackendCheck {
  // Reasons are the same lines services print, prefixed with the backend; the table names it already.
  return result.ok ? { backend, ok: true, detail: result.description } : { backend, ok: false, detail: result.reason.replace(`${backend}: `, '') };
}

async function checkTemporal(config: KilnConfig): Promise<BackendCheck> {
  const address = config.temporalAddress ?? runningDevServerAddress(homePaths(config.home).temporalDb);
  if (!address) {
    try {
      const binary = await requireTool(config, 'temporal');
      return { backend: 'temporal', ok: true, detail: `embedded: \`kiln up\` starts the dev server (${binary}) on 127.0.0.1:${config.temporalPort}` };
    } catch (error) {
      return { backend: 'temporal', ok: false, detail: (error as Error).message };
    }
  }
  try {
    const connection = await waitForFrontend(address, 5_000);
    const info = await connection.workflowService.getSystemInfo({});
    await connection.close();
    return {
      backend: 'temporal',
      ok: true,
      detail: `${address} reachable (server ${info.serverVersion || 'unknown version'}), namespace ${config.temporalNamespace}`,
    };
  } catch {
    return { backend: 'temporal', ok: false, detail: `cannot reach Temporal at ${address} (is it running? check TEMPORAL_ADDRESS)` };
  }
}

/** How the API authenticates callers, and which token this CLI would send. */
function checkAuth(config: KilnConfig): BackendCheck {
  const mode = config.oidc
    ? `API tokens + OIDC (issuer ${config.oidc.issuer}, audience ${config.oidc.audience}, user claim ${config.oidc.userClaim})`
    : 'API tokens (OIDC off)';
  let source: string;
  try {
    source = cliToken(config).source;
  } catch (error) {
    return { backend: 'auth', ok: false, detail: `${mode}; ${(error as Error).message}` };
  }
  const from = {
    KILN_TOKEN: 'KILN_TOKEN',
    'kiln login': `kiln login (${config.credentialsFile})`,
    'admin token': `the admin token in ${homePaths(config.home).adminToken}`,
    none: '',
  }[source];
  // No token yet is fine before the first `kiln up`, which writes the admin token.
  return {
    backend: 'auth',
    ok: true,
    detail: `${mode}; the CLI sends ${from || `no token yet (\`kiln up\` writes ${homePaths(config.home).adminToken}; or KILN_TOKEN / kiln login)`}`,
  };
}

async function checkPython(config: KilnConfig): Promise<BackendCheck> {
  try {
    const uv = await requireTool(config, 'uv');
    const python = await findPythonInterpreter('3');
    return { backend: 'python runtime', ok: true, detail: `uv at ${uv}; Python ${python.version} at ${python.executable}` };
  } catch (error) {
    return { backend: 'python runtime', ok: false, detail: (error as Error).message };
  }
}
