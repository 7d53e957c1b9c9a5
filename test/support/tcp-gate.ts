import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpGate {
  readonly port: number;
  /** Forwards connections on `port` to the target from now on. */
  open(): Promise<void>;
  /** Refuses connections on `port` (nothing listens) and cuts the open ones. */
  close(): Promise<void>;
}

/**
 * A loopback port that forwards to `target` while open and refuses connections while closed:
 * a server going down and coming back, at the same address, for the client under test.
 */
export function tcpGate(port: number, target: { host: string; port: number }): TcpGate {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  return {
    port,
    async open() {
      if (server) return;
      const listening = createServer((inbound) => {
        const outbound = connect(target.port, target.host);
        track(inbound);
        track(outbound);
        inbound.pipe(outbound).pipe(inbound);
        inbound.on('error', () => outbound.destroy());
        outbound.on('error', () => inbound.destroy());
      });
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(port, '127.0.0.1', () => resolve());
      });
      server = listening;
    },
    async close() {
      const closing = server;
      server = undefined;
      if (!closing) return;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
  };
}
