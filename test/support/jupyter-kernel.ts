import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

export interface CellResult {
  status: 'ok' | 'error';
  /** Everything the cell printed (stdout and stderr streams). */
  output: string;
  error?: string;
}

/** How a request proves itself: the server's token, or headers (a session cookie for the API's proxy). */
export type JupyterAuth = string | Record<string, string>;

const authHeaders = (auth: JupyterAuth): Record<string, string> => (typeof auth === 'string' ? { authorization: `token ${auth}` } : auth);

/** A Jupyter server's REST API with its token (or through the API's proxy with a session cookie). */
export async function jupyterApi<T>(baseUrl: string, auth: JupyterAuth, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...authHeaders(auth), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as T };
}

/**
 * Starts a kernel through Jupyter's REST API and runs `code` in it over the kernel's websocket
 * channels (the `ws` client, Jupyter's JSON message protocol): what the cell printed, and its error.
 */
export async function executeCell(baseUrl: string, auth: JupyterAuth, code: string, timeoutMs = 60_000): Promise<CellResult> {
  const kernel = await jupyterApi<{ id: string }>(baseUrl, auth, 'POST', '/api/kernels', { name: 'python3' });
  if (kernel.status !== 201) throw new Error(`starting a kernel answered ${kernel.status}: ${JSON.stringify(kernel.body)}`);
  const session = randomUUID();
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/kernels/${kernel.body.id}/channels?session_id=${session}`, {
    headers: authHeaders(auth),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const msgId = randomUUID();
    return await new Promise<CellResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the cell did not finish within ${timeoutMs} ms`)), timeoutMs);
      let output = '';
      let error: string | undefined;
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { channel: string; msg_type: string; parent_header: { msg_id?: string }; content: Record<string, unknown> };
        if (message.parent_header.msg_id !== msgId) return;
        if (message.msg_type === 'stream') output += String(message.content.text);
        if (message.msg_type === 'error') error = `${String(message.content.ename)}: ${String(message.content.evalue)}`;
        // The kernel is idle again once the request is done and its output sent.
        if (message.channel === 'iopub' && message.msg_type === 'status' && message.content.execution_state === 'idle') {
          clearTimeout(timer);
          resolve({ status: error ? 'error' : 'ok', output, ...(error ? { error } : {}) });
        }
      });
      socket.send(
        JSON.stringify({
          header: { msg_id: msgId, username: 'kiln-test', session, msg_type: 'execute_request', version: '5.3', date: new Date().toISOString() },
          parent_header: {},
          metadata: {},
          content: { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
          channel: 'shell',
          buffers: [],
        }),
      );
    });
  } finally {
    socket.close();
  }
}
