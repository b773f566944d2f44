// startSimulator: the simulator as a library, for tests (port 0) and for main.ts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Random } from './latency/latency-distribution';
import { createRequestListener } from './router';
import { createServiceRoutes } from './services/service-routes';
import { createSimulatorState } from './simulator-state';

export const DEFAULT_HOST = '127.0.0.1';
/**
 * Longer than any client's idle keep-alive (undici 4 s, Node agents: none). If the server closed
 * idle connections first, a client could send on a socket being closed and see a reset: a failure
 * no fault asked for, which a breaker would count.
 */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface SimulatorOptions {
  /** 0 takes a free port. */
  port: number;
  host?: string;
  /** Injectable for tests; defaults to Date.now and Math.random. */
  now?: () => number;
  random?: Random;
}

export interface RunningSimulator {
  url: string;
  port: number;
  /** Responses still owed (delayed or hanging); 0 when every client was answered or left. */
  openResponses(): number;
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const host = options.host ?? DEFAULT_HOST;
  const state = createSimulatorState(options.now ?? Date.now, options.random ?? Math.random);
  const server = createServer(createRequestListener(state, createServiceRoutes(state)));
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  await listen(server, options.port, host);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${urlHost(host)}:${port}`,
    port,
    openResponses: () => state.openResponses.size,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        state.openResponses.closeAll();
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A host clients can dial: a wildcard address is reached on loopback; IPv6 needs brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return DEFAULT_HOST;
  return host.includes(':') ? `[${host}]` : host;
}
