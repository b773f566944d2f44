// A TCP proxy on 127.0.0.1 for faults that must be timed exactly (there is no Toxiproxy here,
// see architecture.md section 6): it cuts every connection at once, and it can hold the server's
// bytes on connections opened after a cut, as a Redis busy after a restart or a retransmitted
// segment would. Chaos tests add their own faults here as they need them.
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

/** One client connection and its upstream twin; server bytes go out through `toClient`. */
class ProxiedConnection {
  private slowSince: number | undefined;
  private releaseAt = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
    private readonly slow: SlowReplies | undefined,
    private readonly onHeld: () => void,
  ) {}

  toClient(chunk: Buffer): void {
    const now = performance.now();
    const delayMs = this.delayFor(chunk, now);
    // A chunk behind a held one waits its turn, or the client would read bytes out of order.
    const at = Math.max(this.releaseAt, now + delayMs);
    if (at <= now) {
      this.client.write(chunk);
      return;
    }
    if (delayMs > 0) this.onHeld();
    this.releaseAt = at;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.client.destroyed) this.client.write(chunk);
    }, at - now);
    this.timers.add(timer);
  }

  private delayFor(chunk: Buffer, now: number): number {
    const slow = this.slow;
    if (slow === undefined) return 0;
    if (this.slowSince === undefined) {
      if (!(slow.startsAt?.(chunk) ?? true)) return 0;
      this.slowSince = now;
    }
    return now - this.slowSince < slow.forMs ? slow.delayMs : 0;
  }

  /** Both sides at once, with a reset: what a client sees when the network path dies. */
  cut(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (!this.client.destroyed) this.client.resetAndDestroy();
    if (!this.upstream.destroyed) this.upstream.resetAndDestroy();
  }
}

export class TcpFaultProxy {
  private readonly connections = new Set<ProxiedConnection>();
  private slow: SlowReplies | undefined;
  private acceptedCount = 0;
  private heldCount = 0;

  private constructor(
    private readonly server: Server,
    private readonly target: Required<ProxyTarget>,
    readonly port: number,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  /** Listens on a free port of 127.0.0.1 and forwards every connection to `target`. */
  static async start(target: ProxyTarget): Promise<TcpFaultProxy> {
    const server = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, HOST, () => {
        const address = server.address();
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('tcp-fault-proxy: could not read its own port'));
      });
    });
    return new TcpFaultProxy(server, { host: target.host ?? HOST, port: target.port }, port);
  }

  /** Connections accepted so far: a client that reconnected after a cut raises it. */
  get accepted(): number {
    return this.acceptedCount;
  }

  /** Server chunks held so far by `slowRepliesOnNewConnections`: proof that the fault happened. */
  get held(): number {
    return this.heldCount;
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

  /** Cuts every connection and stops listening. */
  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.acceptedCount++;
    const upstream = createConnection({ host: this.target.host, port: this.target.port });
    const connection = new ProxiedConnection(client, upstream, this.slow, () => this.heldCount++);
    this.connections.add(connection);
    const end = (): void => {
      if (!this.connections.delete(connection)) return;
      connection.cut();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => connection.toClient(chunk));
  }
}
