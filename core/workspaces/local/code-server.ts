import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { get } from 'node:http';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { WorkspaceProbe } from '../workspace-hosting.js';

/** What code-server's `/healthz` answers: `alive` while a client beat within the last minute; its last beat (epoch ms, 0: none). */
const CodeServerHealth = z.object({ status: z.string(), lastHeartbeat: z.number() });

/** The session cookie code-server accepts: with HASHED_PASSWORD set to the token's SHA-256, it is that hash. */
export const CODE_SERVER_COOKIE = 'code-server-session';

/** code-server's legacy password hash (`HASHED_PASSWORD`): a cheap compare per request, unlike argon2. */
export function codeServerPasswordHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Where one workspace's code-server keeps its state, all inside the workspace's directory. */
export function codeServerPaths(workspaceDir: string) {
  const root = join(workspaceDir, 'code-server');
  return {
    userData: join(root, 'user-data'),
    extensions: join(root, 'extensions'),
    config: join(root, 'config.yaml'),
    /** XDG_DATA_HOME: code-server writes `<XDG_DATA_HOME>/code-server/heartbeat`, not into --user-data-dir. */
    dataHome: join(root, 'data'),
    heartbeat: join(root, 'data', 'code-server', 'heartbeat'),
  };
}

export interface CodeServerLaunch {
  workspaceDir: string;
  filesDir: string;
  port: number;
  token: string;
  /** The environment's venv and interpreter. */
  venv: string;
  pythonExecutable: string;
  /** Environment variables every workspace server gets (kiln_sdk, checkpoints). */
  common: Record<string, string>;
}

/**
 * code-server's flags for one workspace: password auth (the password comes as HASHED_PASSWORD),
 * its state inside `workspaceDir`, no calls out, the workspace's files opened.
 */
export function codeServerArgs(workspaceDir: string, bindAddr: string, filesDir: string): string[] {
  const paths = codeServerPaths(workspaceDir);
  return [
    `--bind-addr=${bindAddr}`,
    '--auth=password',
    `--config=${paths.config}`,
    `--user-data-dir=${paths.userData}`,
    `--extensions-dir=${paths.extensions}`,
    // No calls out (update checks, telemetry): this machine may reach no such host, and the workspace should not.
    '--disable-update-check',
    '--disable-telemetry',
    // Always the workspace's files, not whatever folder the last session had open.
    '--ignore-last-opened',
    filesDir,
  ];
}

/** Where code-server writes its heartbeat and reads its config from: inside `workspaceDir`. */
export function codeServerXdgEnv(workspaceDir: string): { XDG_DATA_HOME: string; XDG_CONFIG_HOME: string } {
  return { XDG_DATA_HOME: codeServerPaths(workspaceDir).dataHome, XDG_CONFIG_HOME: join(workspaceDir, 'code-server', 'xdg-config') };
}

/** The arguments and environment of `code-server` for one workspace: loopback only, the token as its password. */
export function codeServerCommand(launch: CodeServerLaunch) {
  const args = codeServerArgs(launch.workspaceDir, `127.0.0.1:${launch.port}`, launch.filesDir);
  const env: Record<string, string> & { PATH: string; VIRTUAL_ENV: string; HASHED_PASSWORD: string; XDG_DATA_HOME: string } = {
    ...launch.common,
    // Terminals and tasks inherit this: the environment's python first, as an activated venv.
    PATH: `${dirname(launch.pythonExecutable)}:/usr/local/bin:/usr/bin:/bin`,
    VIRTUAL_ENV: launch.venv,
    // The token travels in the environment, not argv (where `ps` would show it); code-server drops it from its children's.
    HASHED_PASSWORD: codeServerPasswordHash(launch.token),
    ...codeServerXdgEnv(launch.workspaceDir),
  };
  return { args, env };
}

/** A `/healthz` answer, however it was reached (directly, or through the API server's pod proxy); null: not code-server's. */
export function parseCodeServerHealth(status: number, body: string): z.infer<typeof CodeServerHealth> | null {
  if (status !== 200) return null;
  try {
    const parsed = CodeServerHealth.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Health from `/healthz` (which code-server answers without auth and without counting as
 * activity); last activity from its heartbeat file, which it touches on a request after a quiet
 * minute and every minute while a client stays connected. While `/healthz` says `alive` (a beat
 * within the minute) the server is in use now: a connected client's next beat may be a minute
 * after the last, and a one-minute idle_timeout must not cull it in between.
 */
export async function probeCodeServer(url: string, heartbeatFile: string, timeoutMs = 5_000): Promise<WorkspaceProbe> {
  const health = await getClosing(`${url}/healthz`, timeoutMs).then(
    (body) => parseCodeServerHealth(200, body),
    () => null,
  );
  if (!health) return { alive: false, lastActivityMs: null };
  if (health.status === 'alive') return { alive: true, lastActivityMs: Date.now() };
  const beat = await stat(heartbeatFile).catch(() => null);
  return { alive: true, lastActivityMs: beat ? beat.mtimeMs : null };
}

/**
 * A GET on a connection closed after the answer. code-server beats while any connection is
 * open: a kept-alive probe connection (fetch keeps them a few seconds) would count as a user.
 */
function getClosing(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => (response.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${response.statusCode}`))));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}
