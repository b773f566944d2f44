// Port choice for the fleet's parts: the default port when it is free, else one the OS picks.
// A port probed free can be taken before the part binds it (two fleets starting together), so
// the part starters retry on "address in use" with a fresh port (see start-with-port-retry.ts).
import { createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** True when nothing listens on 127.0.0.1:`port` right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: LOOPBACK, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the OS considered free on 127.0.0.1 a moment ago. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: LOOPBACK, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('the OS gave no free port'))));
    });
  });
}

/**
 * Hands out ports to the parts of one fleet: `preferred` when it is free and not already handed
 * to another part of this fleet, else a free port. Never hands out one port twice.
 */
export class PortAllocator {
  private readonly handedOut = new Set<number>();

  async allocate(preferred: number | undefined): Promise<number> {
    if (preferred !== undefined && !this.handedOut.has(preferred) && (await isPortFree(preferred))) return this.claim(preferred);
    for (;;) {
      const port = await findFreePort();
      if (!this.handedOut.has(port)) return this.claim(port);
    }
  }

  private claim(port: number): number {
    this.handedOut.add(port);
    return port;
  }
}

/** Output that says a listener could not bind its port (Node, Redis and nginx wordings). */
export function saysAddressInUse(output: string): boolean {
  return /EADDRINUSE|address already in use/i.test(output);
}
