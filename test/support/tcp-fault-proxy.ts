// A TCP proxy on 127.0.0.1 for faults that must be timed exactly (there is no Toxiproxy here,
// see architecture.md section 6): it cuts every connection at once, and it can hold the server's
// bytes on connections opened after a cut, as a Redis busy after a restart or a retransmitted
// segment would. Toxiproxy's toxics are the model for the rest (toxics below): latency and jitter,
// bandwidth, a black hole (the timeout toxic), resets of new connections, a slow close. The chaos
// suite (chaos/) and the fault tests share it.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

const HOST = '127.0.0.1';

export interface ProxyTarget {
  host?: string;
  port: number;
}

/** Server-to-client bytes held on connections accepted after `slowRepliesOnNewConnections`. */
export interface SlowReplies {
  /** Each held chunk reaches the client this much later; the byte order is kept. */
  delayMs: number;
  /** The slowness lasts this long on a connection, from its first held chunk. */
  forMs: number;
  /** The first chunk to hold (earlier ones pass at once); by default the connection's first. */
  startsAt?: (chunk: Buffer) => boolean;
}

/** Faults that apply to every connection, open or new, until changed (Toxiproxy's toxics). */
export interface Toxics {
  /** Added to each server-to-client chunk, plus a uniform draw from 0 to `jitterMs`. */
  latencyMs?: number;
  jitterMs?: number;
  /** Server-to-client bytes per second; a chunk waits for the bytes before it to drain. */
  bytesPerSecond?: number;
  /** Bytes in both directions are dropped and connections stay open: a peer that went silent. */
  blackHole?: boolean;
  /** New connections are reset at once: a server that is down (nothing listens). */
  resetNewConnections?: boolean;
  /** When the server closes, the client sees the close this much later. */
  slowCloseMs?: number;
}

/** One client connection and its upstream twin; server bytes go out through `toClient`. */
class ProxiedConnection {
  private slowSince: number | undefined;
  private releaseAt = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  /**
   * Held server chunks in byte order, sent by one timer for the head. A timer per chunk would
   * reorder them: Node keeps timers in lists per whole-ms duration, so a later chunk with a
   * slightly shorter delay can fire first, and a reordered RESP stream hands one command's reply
   * to another.
   */
  private readonly held: { at: number; chunk: Buffer }[] = [];
  private drainTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
    private readonly slow: SlowReplies | undefined,
    private readonly toxics: () => Toxics,
    private readonly onHeld: () => void,
  ) {}

  toClient(chunk: Buffer): void {
    if (this.toxics().blackHole === true) return;
    const now = performance.now();
    const delayMs = this.delayFor(chunk, now);
    // A chunk behind a held one waits its turn, or the client would read bytes out of order.
    const at = Math.max(this.releaseAt, now + delayMs) + this.transferMs(chunk);
    if (at <= now) {
      this.client.write(chunk);
      return;
    }
    if (delayMs > 0) this.onHeld();
    this.releaseAt = at;
    this.held.push({ at, chunk });
    if (this.drainTimer === undefined) this.scheduleDrain();
  }

  private scheduleDrain(): void {
    const head = this.held[0];
    if (head === undefined) return;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = undefined;
      const now = performance.now();
      while (this.held.length > 0 && (this.held[0]?.at ?? Infinity) <= now + 0.5) {
        const next = this.held.shift();
        if (next !== undefined && !this.client.destroyed) this.client.write(next.chunk);
      }
      this.scheduleDrain();
    }, Math.max(0, head.at - performance.now()));
  }

  toUpstream(chunk: Buffer): void {
    if (this.toxics().blackHole === true) return;
    this.upstream.write(chunk);
  }

  /** The server closed its side: the client sees it after the slow close and every held byte. */
  upstreamEnded(close: () => void): void {
    const now = performance.now();
    const at = Math.max(this.releaseAt, now + (this.toxics().slowCloseMs ?? 0));
    if (at <= now) close();
    else this.later(at - now, close);
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  private delayFor(chunk: Buffer, now: number): number {
    const toxics = this.toxics();
    const latency = (toxics.latencyMs ?? 0) + Math.random() * (toxics.jitterMs ?? 0);
    const slow = this.slow;
    if (slow === undefined) return latency;
    if (this.slowSince === undefined) {
      if (!(slow.startsAt?.(chunk) ?? true)) return latency;
      this.slowSince = now;
    }
    return latency + (now - this.slowSince < slow.forMs ? slow.delayMs : 0);
  }

  private transferMs(chunk: Buffer): number {
    const rate = this.toxics().bytesPerSecond;
    return rate === undefined || rate <= 0 ? 0 : (chunk.length / rate) * 1000;
  }

  /** Both sides at once, with a reset: what a client sees when the network path dies. */
  cut(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    this.held.length = 0;
    if (!this.client.destroyed) this.client.resetAndDestroy();
    if (!this.upstream.destroyed) this.upstream.resetAndDestroy();
  }
}

export class TcpFaultProxy {
  private readonly connections = new Set<ProxiedConnection>();
  private slow: SlowReplies | undefined;
  private toxics: Toxics = {};
  private acceptedCount = 0;
  private heldCount = 0;
  private resetCount = 0;

  private constructor(
    private readonly server: Server,
    private readonly target: Required<ProxyTarget>,
    readonly port: number,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  /** Listens on a free port of 127.0.0.1 (or `port`) and forwards every connection to `target`. */
  static async start(target: ProxyTarget, port = 0): Promise<TcpFaultProxy> {
    const server = createServer();
    const bound = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, HOST, () => {
        const address = server.address();
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('tcp-fault-proxy: could not read its own port'));
      });
    });
    return new TcpFaultProxy(server, { host: target.host ?? HOST, port: target.port }, bound);
  }

  /** Connections accepted so far: a client that reconnected after a cut raises it. */
  get accepted(): number {
    return this.acceptedCount;
  }

  /** Server chunks held so far by `slowRepliesOnNewConnections`: proof that the fault happened. */
  get held(): number {
    return this.heldCount;
  }

  /** Connections reset at once by `resetNewConnections`. */
  get resets(): number {
    return this.resetCount;
  }

  get openConnections(): number {
    return this.connections.size;
  }

  /** Resets every open connection (both sides); new connections are accepted as before. */
  dropConnections(): void {
    for (const connection of this.connections) connection.cut();
    this.connections.clear();
  }

  /** Connections accepted from now on get slow replies; `undefined` turns that off again. */
  slowRepliesOnNewConnections(slow: SlowReplies | undefined): void {
    this.slow = slow;
  }

  /** Replaces the toxics of every connection, open and new; `{}` heals. */
  setToxics(toxics: Toxics): void {
    this.toxics = { ...toxics };
  }

  /** Heals everything: no toxics, no slow replies on new connections. */
  heal(): void {
    this.toxics = {};
    this.slow = undefined;
  }

  /** Cuts every connection and stops listening. */
  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.acceptedCount++;
    if (this.toxics.resetNewConnections === true) {
      this.resetCount++;
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: this.target.host, port: this.target.port });
    const connection = new ProxiedConnection(client, upstream, this.slow, () => this.toxics, () => this.heldCount++);
    this.connections.add(connection);
    const end = (): void => {
      if (!this.connections.delete(connection)) return;
      connection.cut();
    };
    client.on('error', end);
    client.on('close', end);
    upstream.on('error', end);
    // A server close reaches the client only after the slow close and the bytes still held.
    upstream.on('close', () => connection.upstreamEnded(end));
    client.on('data', (chunk: Buffer) => connection.toUpstream(chunk));
    upstream.on('data', (chunk: Buffer) => connection.toClient(chunk));
  }
}
