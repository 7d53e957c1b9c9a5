import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StageProcessSpec } from '../executor.js';
import { ForkServer, type WarmChild } from './fork-server.js';
import { errorFields, kilnLog } from '../../logging/kiln-log.js';

export interface ForkServerPoolOptions {
  /** Where the servers' Unix sockets go (Kiln's work directory); a temporary directory when its paths would be too long for a socket. */
  socketDir: string;
  /** A server with no stage running exits after this long. Default 600 s. */
  idleSeconds?: number;
  /** How long a server's start-up (interpreter and imports) may take. Default 120 s. */
  readyTimeoutMs?: number;
}

// sockaddr_un holds 108 bytes on Linux, 104 on macOS, the terminating NUL included.
const MAX_SOCKET_PATH = 100;

/**
 * One fork server per environment (its Python, warm imports and import-time settings), started
 * by the first stage that asks for it and reused by the next ones. Any trouble on the warm path
 * (no server, a server that died or cannot fork) answers `undefined`: the stage starts cold,
 * and the next stage starts a new server.
 */
export class ForkServerPool {
  private readonly servers = new Map<string, ForkServer>();
  /** Servers replaced after a failure; stopped on close. */
  private readonly retired: ForkServer[] = [];
  private socketDir: string | undefined;
  private readonly idleSeconds: number;
  private readonly readyTimeoutMs: number;

  constructor(private readonly options: ForkServerPoolOptions) {
    this.idleSeconds = options.idleSeconds ?? 600;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  }

  /** The stage, forked warm; undefined when it should start cold (its command is not `python -m <module>`, or the warm path failed). */
  async start(spec: StageProcessSpec, imports: readonly string[]): Promise<WarmChild | undefined> {
    const [python, flag, module, ...rest] = spec.command;
    if (!python || flag !== '-m' || !module || rest.length > 0) return undefined;
    const serverEnv = serverEnvironment(spec.env);
    const key = JSON.stringify([python, [...imports].sort(), serverEnv]);
    let server = this.servers.get(key);
    if (!server?.alive) {
      server = new ForkServer({
        python,
        imports,
        env: serverEnv,
        // The worker's pid in the name: workers sharing a data directory each have their own servers.
        socketPath: join(this.directory(), `${process.pid}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}.sock`),
        idleSeconds: this.idleSeconds,
        readyTimeoutMs: this.readyTimeoutMs,
      });
      this.servers.set(key, server);
    }
    try {
      await server.ready;
      return await server.fork({ module, env: spec.env, cwd: spec.workingDirectory });
    } catch (error) {
      kilnLog().warn({ ...errorFields(error), process: spec.id }, `kiln: warm start of ${spec.id} failed, starting it cold`);
      // Not stopped: stages it already runs would die with it. The next stage starts a new one.
      if (this.servers.get(key) === server) {
        this.servers.delete(key);
        this.retired.push(server);
      }
      return undefined;
    }
  }

  /** Stops every server (a running stage forked by one is killed with it). */
  close(): void {
    for (const server of [...this.servers.values(), ...this.retired]) server.stop();
    this.servers.clear();
    this.retired.length = 0;
  }

  private directory(): string {
    if (this.socketDir) return this.socketDir;
    const wanted = this.options.socketDir;
    // `<dir>/<pid>-<12 hex>.sock`
    const fits = wanted.length + 1 + 8 + 1 + 12 + 5 <= MAX_SOCKET_PATH;
    if (fits) mkdirSync(wanted, { recursive: true, mode: 0o700 });
    this.socketDir = fits ? wanted : mkdtempSync(join(tmpdir(), 'kiln-fork-'));
    return this.socketDir;
  }
}

/**
 * The stage's environment without what differs from stage to stage (the run contract's
 * `KILN_*` and `HOME`, the workspace): what the server imports under, and part of its key.
 */
function serverEnvironment(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('KILN_') && name !== 'HOME'));
}
