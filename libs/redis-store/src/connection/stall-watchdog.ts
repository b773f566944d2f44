import type Redis from 'ioredis';

/** The `code` of the process warning a stalled connection raises, once per episode. */
export const REDIS_CONNECTION_STALLED = 'BW_REDIS_CONNECTION_STALLED';

/** A connection quiet this long is asked for a PING. */
export const DEFAULT_STALL_PROBE_INTERVAL_MS = 500;

/**
 * A connection that owes a reply and has received no byte for this long is torn down. Eight
 * coordination command timeouts (250 ms), two data ones (1 s), and ten times the chaos suite's
 * slow-Redis fault (200 ms): a slow Redis still sends bytes within it, a silent path does not.
 */
export const DEFAULT_STALL_AFTER_MS = 2_000;

export interface StallWatchdogSettings {
  probeIntervalMs: number;
  stallAfterMs: number;
  /** Told once per episode: from the first teardown until the connection is ready again. */
  onStall: (event: StalledConnection) => void;
  now: () => number;
}

export interface StalledConnection {
  /** `host:port` of the server the connection was talking to. */
  server: string;
  /** How long it had gone without a byte while a reply was due. */
  silentForMs: number;
}

export const DEFAULT_STALL_WATCHDOG: Readonly<StallWatchdogSettings> = Object.freeze({
  probeIntervalMs: DEFAULT_STALL_PROBE_INTERVAL_MS,
  stallAfterMs: DEFAULT_STALL_AFTER_MS,
  onStall: warnStalled,
  now: () => performance.now(),
});

/**
 * Tears down a connection that gets no reply at all, so that ioredis opens a fresh one. A command
 * timeout rejects the command but keeps the socket, and after a silent partition (packets dropped,
 * no RST) that socket answers again only when TCP's retransmission backoff next tries (seconds to
 * a minute after the heal); a new socket connects as soon as the path is back. The watchdog reads
 * the socket, not command outcomes: any byte from the server proves the path, however slow the
 * replies, and the ready check counts as a reply due from the moment the socket connects. Not for
 * connections that run blocking commands (BZPOPMIN, XREADGROUP BLOCK): a PING waits behind them.
 * Returns a function that stops watching.
 */
export function watchForStall(client: Redis, settings: StallWatchdogSettings = DEFAULT_STALL_WATCHDOG): () => void {
  let timer: NodeJS.Timeout | undefined;
  let lastByteAt = settings.now();
  let replyDueSince: number | undefined;
  let inEpisode = false;
  let server = '';

  const onData = (): void => {
    lastByteAt = settings.now();
    replyDueSince = undefined;
  };
  const stalled = (): boolean => replyDueSince !== undefined && settings.now() - replyDueSince >= settings.stallAfterMs;
  const tearDown = (): void => {
    // Bytes already in the socket are read before this runs: a process that was itself blocked
    // for longer than the bound does not take its own pause for a silent server.
    if (!stalled() || replyDueSince === undefined) return;
    const silentForMs = settings.now() - replyDueSince;
    stop();
    if (!inEpisode) settings.onStall({ server, silentForMs });
    inEpisode = true;
    // A Cluster node has no retry strategy: it ends, and the Cluster opens a new one on its next
    // slot-map refresh (every CLUSTER_SLOTS_REFRESH_MS).
    client.disconnect(true);
  };
  const tick = (): void => {
    if (stalled()) {
      setImmediate(tearDown);
      return;
    }
    if (replyDueSince !== undefined || client.status !== 'ready') return;
    if (settings.now() - lastByteAt < settings.probeIntervalMs) return;
    replyDueSince = settings.now();
    // Its outcome does not matter (the bytes do); a command timeout or the teardown rejects it.
    client.ping().catch(() => undefined);
  };
  const start = (): void => {
    stop();
    client.stream.on('data', onData);
    server = `${client.stream.remoteAddress ?? client.options.host ?? ''}:${client.stream.remotePort ?? client.options.port ?? ''}`;
    lastByteAt = settings.now();
    // AUTH, SELECT and the ready check are on their way: a silent server stalls the handshake too.
    replyDueSince = client.options.enableReadyCheck === false ? undefined : lastByteAt;
    timer = setInterval(tick, Math.max(1, Math.min(settings.probeIntervalMs, settings.stallAfterMs) / 2));
    timer.unref();
  };
  const stop = (): void => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
    replyDueSince = undefined;
  };
  const endEpisode = (): void => {
    inEpisode = false;
  };

  client.on('connect', start);
  client.on('ready', endEpisode);
  client.on('close', stop);
  if (client.status === 'connect' || client.status === 'ready') start();
  return () => {
    stop();
    client.off('connect', start);
    client.off('ready', endEpisode);
    client.off('close', stop);
  };
}

function warnStalled(event: StalledConnection): void {
  process.emitWarning(`redis connection to ${event.server} got no reply for ${Math.round(event.silentForMs)} ms: reconnecting`, {
    type: 'RedisConnectionWarning',
    code: REDIS_CONNECTION_STALLED,
  });
}
