import { z } from 'zod';
import type { WorkspaceProbe } from './workspace-hosting.js';

/** What JupyterLab's `/api/status` answers; `last_activity` covers API requests and kernel activity, not status polls. */
const JupyterStatus = z.object({ last_activity: z.string(), started: z.string().optional() });

/** Reads a `/api/status` answer however it was reached (directly, or through the API server's pod proxy). */
export function jupyterStatusProbe(status: number, body: string): WorkspaceProbe {
  if (status < 200 || status >= 300) return { alive: false, lastActivityMs: null };
  let parsed;
  try {
    parsed = JupyterStatus.safeParse(JSON.parse(body));
  } catch {
    return { alive: false, lastActivityMs: null };
  }
  if (!parsed.success) return { alive: false, lastActivityMs: null };
  const at = Date.parse(parsed.data.last_activity);
  return { alive: true, lastActivityMs: Number.isFinite(at) ? at : null };
}

/** Asks a Jupyter server when it last saw a user; unreachable or refusing: not alive. */
export async function probeJupyter(url: string, token: string, timeoutMs = 5_000): Promise<WorkspaceProbe> {
  try {
    const response = await fetch(`${url}/api/status`, { headers: { authorization: `token ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
    return jupyterStatusProbe(response.status, await response.text());
  } catch {
    return { alive: false, lastActivityMs: null };
  }
}
