import Redis, { Cluster } from 'ioredis';
import { InvalidConfigError } from '@breakwater/resilience';
import { SUBSCRIBER_REDIS_OPTIONS } from './connection/connection-roles';
import { watchConnection } from './connection/watch-connection';
import type { RedisConnection } from './script-loader';

/** A SUBSCRIBE failed; it is sent again after `retryInMs`, or (0) when the connection is next ready. */
export interface SubscribeFailure {
  channel: string;
  error: unknown;
  retryInMs: number;
}

export interface ChannelSubscriptionOptions {
  channel: string;
  /** A SUBSCRIBE that Redis refused is sent again this much later. */
  retryDelayMs: number;
  onFailure: (failure: SubscribeFailure) => void;
  /**
   * After every confirmed SUBSCRIBE (the first and each one after a reconnect): from then on no
   * message is missed, so this is when a re-read catches up on what was published meanwhile.
   */
  onSubscribed?: () => void;
}

/**
 * Keeps a connection subscribed to one channel across reconnects, and never leaves a SUBSCRIBE
 * without a handler: one that fails is sent again later, so the channel is not silently lost.
 * Pub/sub stays at most once; the fleet's periodic re-read covers the messages missed meanwhile.
 */
export class ChannelSubscription {
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private markSubscribed: () => void = () => undefined;
  /** Settles the first time the channel is subscribed (never, if it never is). */
  readonly subscribed = new Promise<void>((resolve) => (this.markSubscribed = resolve));
  private readonly onReady = (): void => this.subscribe();

  private readonly channel: string;
  private readonly retryDelayMs: number;
  private readonly failed: (failure: SubscribeFailure) => void;
  private readonly confirmed: () => void;

  constructor(
    private readonly connection: RedisConnection,
    options: ChannelSubscriptionOptions,
  ) {
    this.channel = options.channel;
    this.retryDelayMs = options.retryDelayMs;
    this.failed = options.onFailure;
    this.confirmed = options.onSubscribed ?? (() => undefined);
    connection.on('ready', this.onReady);
    if (connection.status === 'ready') this.subscribe();
    // A lazyConnect connection waits for a command; ours are sent only once it is ready.
    else if (connection.status === 'wait') connection.connect().catch(() => undefined);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.connection.off('ready', this.onReady);
  }

  private subscribe(): void {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    // Subscribing twice (a retry racing a reconnect) is harmless: Redis keeps one subscription.
    this.connection.subscribe(this.channel).then(
      () => {
        this.markSubscribed();
        if (!this.closed) this.confirmed();
      },
      (error: unknown) => {
        if (this.closed) return;
        // Not ready: the next 'ready' subscribes again. Ready: Redis refused it, so try later.
        const retryInMs = this.connection.status === 'ready' ? this.retryDelayMs : 0;
        if (retryInMs > 0) {
          this.retryTimer = setTimeout(() => this.subscribe(), retryInMs);
          this.retryTimer.unref();
        }
        this.failed({ channel: this.channel, error, retryInMs });
      },
    );
  }
}

/**
 * A subscriber of our own: a duplicate of the coordination connection with the subscriber role's
 * settings (SUBSCRIBER_REDIS_OPTIONS): no commandTimeout and no maxRetriesPerRequest, because a
 * SUBSCRIBE is never on a call's path; an offline queue, because a Cluster client refuses a
 * SUBSCRIBE sent before it is ready ("Cluster isn't ready") where the coordination connection
 * would rather fail fast; and no ioredis auto-resubscribe, because ChannelSubscription
 * re-subscribes with a handler. A Cluster's own subscriber node is replaced, and re-subscribed with
 * a handler, by ioredis itself.
 */
export function duplicateForPubSub(redis: RedisConnection): RedisConnection {
  const { enableOfflineQueue, retryStrategy, ...node } = SUBSCRIBER_REDIS_OPTIONS;
  // A duplicate is a new client: it gets the subscriber's stall watchdog here, not from the factory.
  if (redis instanceof Cluster) return watchConnection(redis.duplicate([], { enableOfflineQueue, redisOptions: { ...redis.options.redisOptions, ...node } }), 'subscriber');
  return watchConnection(redis.duplicate({ ...node, enableOfflineQueue, retryStrategy }), 'subscriber');
}

/**
 * A subscriber the caller supplies must leave re-subscribing to the fleet (autoResubscribe:
 * false). ioredis's own re-subscribe after a reconnect has no catch, and it fails in more ways
 * than one: a commandTimeout shorter than Redis's answer, a numeric maxRetriesPerRequest when the
 * connection drops again before the answer, a disconnect while it is pending. Each would end the
 * process. Other channels on a shared connection are then the caller's to re-subscribe.
 */
export function checkSubscriber(subscriber: RedisConnection): void {
  if (!(subscriber instanceof Redis) || subscriber.options.autoResubscribe === false) return;
  throw new InvalidConfigError('fleet breakers subscriber', [
    'it must have autoResubscribe: false: the fleet re-subscribes it after a reconnect, with a handler, where a failed ioredis re-subscribe would be an unhandled rejection',
  ]);
}
