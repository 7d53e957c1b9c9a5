import { z } from 'zod';
import type { WorkspaceProbe } from './workspace-hosting.js';

/** What JupyterLab's `/api/status` answers; `last_activity` covers API requests and kernel activity, not status polls. */
const JupyterStatus = z.object({ last_activity: z.string(), started: z.string().optional() });

/** Asks a Jupyter server when it last saw a user; unreachable or refusing: not alive. */
export async function probeJupyter(url: string, token: string, timeoutMs = 5_000): Promise<WorkspaceProbe> {
  try {
    const response = await fetch(`${url}/api/status`, { headers: { authorization: `token ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return { alive: false, lastActivityMs: null };
    const status = JupyterStatus.parse(await response.json());
    const at = Date.parse(status.last_activity);
    return { alive: true, lastActivityMs: Number.isFinite(at) ? at : null };
  } catch {
    return { alive: false, lastActivityMs: null };
  }
}
