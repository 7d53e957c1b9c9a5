import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { signalProcessGroup } from './process-tree.js';

export interface ForkServerOptions {
  /** The environment's Python; the server runs `python -m kiln_sdk.fork_server`. */
  python: string;
  /** Modules imported once, before the first fork. */
  imports: readonly string[];
  /** The server's own environment: the stages' minus their per-stage variables, so libraries read the same settings at import. */
  env: Record<string, string>;
  socketPath: string;
  /** The server exits after this long with no stage running. */
  idleSeconds: number;
  /** How long start-up (interpreter and imports) may take. */
  readyTimeoutMs: number;
}

export interface WarmForkRequest {
  module: string;
  env: Record<string, string>;
  cwd: string;
}

/** Bound on connecting and being told the child's pid; a server that takes longer is wedged. */
const FORK_TIMEOUT_MS = 10_000;

/**
 * A stage process forked by a fork server: its own session leader whose stdout and stderr are
 * sockets read here. Emits `exit` (code, signal) once the server has reaped it, or
 * (null, 'SIGKILL') if the server died first (the child then kills its own group).
 */
export class WarmChild extends EventEmitter {
  private status: [number | null, string | null] | undefined;

  constructor(
    readonly pid: number,
    readonly stdout: Socket,
    readonly stderr: Socket,
  ) {
    super();
  }

  /** The server reported the end; kept, since it can arrive before anyone listens. */
  ended(code: number | null, signal: string | null): void {
    if (this.status) return;
    this.status = [code, signal];
    this.emit('exit', code, signal);
  }

  override once(event: string | symbol, listener: (...args: any[]) => void): this {
    const status = this.status;
    if (event === 'exit' && status) queueMicrotask(() => listener(...status));
    else super.once(event, listener);
    return this;
  }
}

/**
 * One `python -m kiln_sdk.fork_server` process (sdk/python/kiln_sdk/fork_server.py) and the
 * client side of its protocol. It is this worker's child and exits with it.
 */
export class ForkServer {
  readonly ready: Promise<void>;
  private readonly process: ChildProcess;
  private exited = false;

  constructor(private readonly options: ForkServerOptions) {
    const args = ['-m', 'kiln_sdk.fork_server', options.socketPath, JSON.stringify(options.imports), String(options.idleSeconds)];
    this.process = spawn(options.python, args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.process.once('exit', () => {
      this.exited = true;
    });
    // Preload failures and crashes: not a stage's output, so they go to the worker's log.
    this.process.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`fork server did not start within ${options.readyTimeoutMs} ms`)), options.readyTimeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        this.stop();
        reject(error);
      };
      this.process.once('error', fail);
      this.process.once('exit', (code, signal) => fail(new Error(`fork server exited (${signal ?? code}) before it was ready`)));
      let seen = '';
      this.process.stdout!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('ready\n')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    // Awaited by callers; this only keeps an unawaited failure from being reported as unhandled.
    this.ready.catch(() => {});
  }

  get alive(): boolean {
    return !this.exited;
  }

  stop(): void {
    if (!this.exited) this.process.kill('SIGTERM');
  }

  /** Forks `python -m <module>` with exactly `env` and `cwd`; resolves once it runs. Rejects when the server cannot: the caller starts the stage cold. */
  async fork(request: WarmForkRequest): Promise<WarmChild> {
    const id = randomUUID();
    const opened = await Promise.allSettled([this.open({ op: 'run', id, ...request }), this.open({ op: 'stdout', id }), this.open({ op: 'stderr', id })]);
    const failed = opened.find((o) => o.status === 'rejected');
    if (failed) {
      // Closing the others tells the server to forget the half-made request.
      for (const o of opened) if (o.status === 'fulfilled') o.value.destroy();
      throw new Error(`fork server at ${this.options.socketPath}: ${(failed.reason as Error).message}`, { cause: failed.reason });
    }
    const [control, stdout, stderr] = opened.map((o) => (o as PromiseFulfilledResult<Socket>).value) as [Socket, Socket, Socket];
    return new Promise<WarmChild>((resolve, reject) => {
      let child: WarmChild | undefined;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        for (const s of [stdout, stderr]) s.destroy();
        reject(new Error(`fork server at ${this.options.socketPath} did not start the stage within ${FORK_TIMEOUT_MS} ms`));
      }, FORK_TIMEOUT_MS);
      let buffered = '';
      control.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        for (let newline = buffered.indexOf('\n'); newline !== -1; newline = buffered.indexOf('\n')) {
          const message = JSON.parse(buffered.slice(0, newline)) as { pid?: number; code?: number | null; signal?: string | null };
          buffered = buffered.slice(newline + 1);
          if (message.pid !== undefined && timedOut) {
            // Too late: the stage was given up on here and may already run cold, so this copy must not run.
            killQuietly(message.pid);
          } else if (message.pid !== undefined) {
            clearTimeout(timer);
            child = new WarmChild(message.pid, stdout, stderr);
            resolve(child);
          } else if (child) {
            child.ended(message.code ?? null, message.signal ?? null);
          }
        }
      });
      control.once('close', () => {
        clearTimeout(timer);
        if (child) child.ended(null, 'SIGKILL');
        else if (!timedOut) {
          for (const s of [stdout, stderr]) s.destroy();
          reject(new Error(`fork server at ${this.options.socketPath} closed the connection before starting the stage`));
        }
      });
    });
  }

  private open(header: object): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.options.socketPath);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        // A reset (the server died) shows as 'close' to whoever reads the socket; unhandled it would crash the worker.
        socket.on('error', () => {});
        socket.write(`${JSON.stringify(header)}\n`);
        resolve(socket);
      });
    });
  }
}

function killQuietly(pgid: number): void {
  try {
    signalProcessGroup(pgid, 'SIGKILL');
  } catch {
    // EPERM: the group id is someone else's by now.
  }
}
