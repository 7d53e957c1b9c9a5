/** A TCP port on 127.0.0.1 that was free a moment ago (for dev servers, model servers, tests). */
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * `start` on a free loopback port. A port free a moment ago can be taken before a server binds
 * it, so when `start` fails as `exitedEarly` says such a server does, it runs again on another.
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>, exitedEarly: (error: unknown) => boolean, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (!exitedEarly(error) || attempt >= attempts) throw error;
    }
  }
}
