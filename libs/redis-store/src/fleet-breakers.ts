import { randomUUID } from 'node:crypto';
import {
  EventEmitter,
  InvalidConfigError,
  resolveBreakerConfig,
  systemClock,
  type BreakerConfig,
  type BreakerMode,
  type Clock,
  type ModeChange,
} from '@breakwater/resilience';
import { BreakerScripts, scriptConfigJson } from './breaker-scripts';
import { isBreakerDataFault, type BrokenFleetBreakerError } from './broken-breaker.error';
import { ChannelSubscription, checkSubscriber, duplicateForPubSub, type SubscribeFailure } from './channel-subscription';
import { runDetached } from './detached-work';
import type { FleetContext, LocalModeScope } from './fleet-context';
import { FleetBreaker } from './fleet-breaker';
import { sendWithin } from './redis-command';
import { RedisUnavailableError } from './redis-unavailable.error';
import { checkKeyPrefix, transitionsChannel } from './keys';
import { parseTransitionMessage, type ScriptReply } from './fleet-snapshot';
import type { RedisConnection } from './script-loader';

export const DEFAULT_FLUSH_INTERVAL_MS = 50;
export const DEFAULT_SYNC_INTERVAL_MS = 1_000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 250;
export const DEFAULT_READY_TIMEOUT_MS = 2_000;

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

export interface FleetBreakersOptions {
  /** The coordination connection; `createCoordinationRedis` makes one configured to fail fast. */
  redis: RedisConnection;
  /** Names this process among the fleet (distinct failing instances are counted by it). */
  instanceId: string;
  /** Put before every key and the channel, so fleets (and test runs) share a Redis safely. */
  keyPrefix?: string;
  /** Settings every breaker of this fleet starts from; `get(name, config)` overrides them. */
  defaults?: Partial<BreakerConfig>;
  /** Outcomes are sent at most this long after they happen (and at once when they could trip). */
  flushIntervalMs?: number;
  /** Every breaker's state is re-read this often: pub/sub is at-most-once. */
  syncIntervalMs?: number;
  /** A Redis command taking longer counts as Redis being down: the fleet decides locally. */
  commandTimeoutMs?: number;
  /**
   * For pub/sub; by default a duplicate of `redis` (no commandTimeout), closed with the fleet. One
   * of your own must have `autoResubscribe: false`: the fleet re-subscribes it, with a handler.
   */
  subscriber?: RedisConnection;
  /**
   * Who goes local when Redis does not answer a command: every breaker (`fleet`), or the breaker
   * whose command failed (`breaker`). Default: `breaker` on a Cluster, `fleet` otherwise.
   */
  localModeScope?: LocalModeScope;
  clock?: Clock;
  random?: () => number;
}

/** The breakers of one process, sharing their state with every other process of the fleet. */
export class FleetBreakers {
  private readonly breakers = new Map<string, FleetBreaker>();
  private readonly context: FleetContext;
  private readonly subscriber: RedisConnection;
  private readonly ownsSubscriber: boolean;
  private readonly channel: string;
  private readonly keyPrefix: string;
  private readonly defaults: Partial<BreakerConfig>;
  private readonly commandTimeoutMs: number;
  private readonly timers: NodeJS.Timeout[];
  private readonly random: () => number;
  /** `local` while the connection as a whole is lost (in `fleet` scope: while Redis does not answer). */
  private connectionMode: BreakerMode;
  /** The mode last announced on onModeChange (see `mode`). */
  private announcedMode: BreakerMode;
  /** Who goes local when Redis does not answer: every breaker (`fleet`) or the one whose command failed (`breaker`, the default on a Cluster). */
  readonly localModeScope: LocalModeScope;
  private syncing: Promise<boolean> | undefined;
  private readonly subscription: ChannelSubscription;
  private closed = false;
  private readonly modeChanged = new EventEmitter<ModeChange>();
  /**
   * `mode` changed: the first breaker cut off from Redis went local (`breaker: '*'`, with its
   * cause), or the last one came back. Each breaker's own switches are on its onModeChange.
   */
  readonly onModeChange = this.modeChanged.event;
  private readonly breakerBroken = new EventEmitter<BrokenFleetBreakerError>();
  /** A breaker found its data in Redis unusable (a key of the wrong type, a stray field): it decides locally, the others do not. */
  readonly onBreakerBroken = this.breakerBroken.event;
  private readonly subscribeFailed = new EventEmitter<SubscribeFailure>();
  /** Subscribing to the transition channel failed; it is retried. Meanwhile only the periodic re-read brings news. */
  readonly onSubscribeFailure = this.subscribeFailed.event;
  private readonly onReady = (): void => runDetached('the re-read after a reconnect', () => this.sync());
  private readonly onMessage = (channel: string, message: string): void => runDetached('a transition message', () => this.receive(channel, message));
  private readonly ignoreError = (): void => undefined;
  /** The coordination connection closed: no command can be sent until it is ready again. */
  private readonly onConnectionLost = (): void => this.enterLocalMode(new RedisUnavailableError('the coordination connection closed'));

  constructor(private readonly options: FleetBreakersOptions) {
    const problems: string[] = [];
    if (typeof options.instanceId !== 'string' || options.instanceId.length === 0) problems.push('instanceId must be a non-empty string');
    for (const key of ['flushIntervalMs', 'syncIntervalMs', 'commandTimeoutMs'] as const) {
      const value = options[key];
      if (value !== undefined && !(Number.isFinite(value) && value > 0)) problems.push(`${key} must be a number of milliseconds greater than 0 (got ${JSON.stringify(value)})`);
    }
    if (problems.length > 0) throw new InvalidConfigError('fleet breakers', problems);
    this.keyPrefix = options.keyPrefix ?? '';
    checkKeyPrefix(this.keyPrefix);
    this.defaults = options.defaults ?? {};
    resolveBreakerConfig('defaults', this.defaults);
    this.channel = transitionsChannel(this.keyPrefix);
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.random = options.random ?? Math.random;
    // Until Redis has answered once, this process decides alone.
    this.connectionMode = options.redis.status === 'ready' ? 'fleet' : 'local';
    this.announcedMode = this.connectionMode;
    this.localModeScope = options.localModeScope ?? (options.redis.isCluster ? 'breaker' : 'fleet');
    const scripts = new BreakerScripts(options.redis, this.channel, options.instanceId, this.random);
    const fleet = this;
    this.context = {
      scripts,
      clock: options.clock ?? systemClock,
      sessionId: `${options.instanceId}:${randomUUID().slice(0, 8)}`,
      get mode() {
        return fleet.connectionMode;
      },
      localModeScope: this.localModeScope,
      command: (send) => this.command(send),
      broken: (error) => this.breakerBroken.emit(error),
      flushSoon: (flush) => queueMicrotask(() => runDetached('an early flush', flush)),
    };

    if (options.subscriber !== undefined) checkSubscriber(options.subscriber);
    this.ownsSubscriber = options.subscriber === undefined;
    this.subscriber = options.subscriber ?? duplicateForPubSub(options.redis);
    this.subscriber.on('message', this.onMessage);
    this.subscriber.on('error', this.ignoreError);
    options.redis.on('ready', this.onReady);
    // Local mode from the moment the connection is lost, not from the next command that fails
    // (up to syncIntervalMs later, or never for a breaker with no traffic).
    options.redis.on('close', this.onConnectionLost);
    options.redis.on('end', this.onConnectionLost);
    const syncIntervalMs = options.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
    this.subscription = new ChannelSubscription(this.subscriber, {
      channel: this.channel,
      retryDelayMs: syncIntervalMs,
      onFailure: (failure) => this.subscribeFailed.emit(failure),
      // Messages sent while the subscriber was away are lost: re-read everything once the channel
      // is subscribed again (not when the connection is ready: a transition published between
      // that re-read and the SUBSCRIBE would be missed until the periodic re-read).
      onSubscribed: () => runDetached('the re-read after subscribing', () => this.sync()),
    });

    const flushTimer = setInterval(() => runDetached('the flush tick', () => this.tick()), options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS);
    const syncTimer = setInterval(() => runDetached('the periodic re-read', () => this.sync()), syncIntervalMs);
    this.timers = [flushTimer, syncTimer];
    for (const t of this.timers) t.unref();
  }

  /**
   * `local` while any breaker of this process decides alone because Redis (or, on a Cluster, the
   * shard holding its keys) does not answer; `fleet` when every breaker decides with the fleet. A
   * breaker whose own data is broken does not count (onBreakerBroken says so): Redis answers.
   */
  get mode(): BreakerMode {
    if (this.connectionMode === 'local') return 'local';
    for (const b of this.breakers.values()) if (b.mode === 'local' && !b.broken) return 'local';
    return 'fleet';
  }

  /** The names of the breakers deciding alone now, for whatever reason (Redis away, their shard away, their data broken). */
  localBreakers(): string[] {
    return this.list()
      .filter((b) => b.mode === 'local')
      .map((b) => b.name);
  }

  /** The breaker called `name`, created with `config` (over the fleet defaults) on first use. */
  get(name: string, config?: Partial<BreakerConfig>): FleetBreaker {
    const existing = this.breakers.get(name);
    const resolved = resolveBreakerConfig(name, { ...this.defaults, ...config });
    if (existing !== undefined) {
      if (config !== undefined && existing.target.configJson !== scriptConfigJson(resolved)) {
        throw new InvalidConfigError(`breaker ${name}`, ['it already exists in this fleet with another configuration']);
      }
      return existing;
    }
    const breaker = new FleetBreaker(name, resolved, this.keyPrefix, this.context, this.random);
    if (this.connectionMode === 'local') breaker.enterLocalMode(new RedisUnavailableError('the fleet is in local mode'));
    this.breakers.set(name, breaker);
    breaker.onModeChange((change) => this.announceMode(change.cause));
    void this.syncOne(breaker);
    return breaker;
  }

  list(): FleetBreaker[] {
    return [...this.breakers.values()];
  }

  /**
   * Resolves once the coordination connection is up, the transition channel subscribed and every
   * breaker read from Redis: then `mode` is `fleet`. If Redis does not answer within `timeoutMs`
   * it resolves anyway, in local mode (or in fleet mode but not yet subscribed: the subscription
   * keeps being retried, and the periodic re-read covers the gap). Calls work before that.
   */
  async ready(timeoutMs = DEFAULT_READY_TIMEOUT_MS): Promise<void> {
    await Promise.race([this.connected(timeoutMs).then(() => this.subscription.subscribed), delay(timeoutMs)]);
    await this.sync();
  }

  private connected(timeoutMs: number): Promise<void> {
    const redis = this.options.redis;
    if (redis.status === 'ready') return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      redis.once('ready', done);
    });
  }

  /** Re-reads every breaker; leaves local mode when Redis answers. Resolves true when it did. */
  sync(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    this.syncing ??= this.readAll().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  /** Flushes what is pending (best effort), stops the timers and the subscriber. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.options.redis.off('ready', this.onReady);
    this.options.redis.off('close', this.onConnectionLost);
    this.options.redis.off('end', this.onConnectionLost);
    if (this.connectionMode === 'fleet') await Promise.all(this.list().map((b) => b.flush()));
    for (const b of this.breakers.values()) b.dispose();
    this.subscription.close();
    this.subscriber.off('message', this.onMessage);
    this.subscriber.off('error', this.ignoreError);
    if (this.ownsSubscriber) this.subscriber.disconnect();
    else await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }

  private tick(): void {
    for (const b of this.breakers.values()) {
      b.sweepSlowCalls();
      // A breaker in local mode keeps its outcomes for its resync (flush does nothing then).
      if (this.connectionMode === 'fleet') runDetached('a flush', () => b.flush());
    }
  }

  private async readAll(): Promise<boolean> {
    const breakers = this.list();
    let results: PromiseSettledResult<ScriptReply>[];
    try {
      // The ping proves Redis answers even when no breaker exists yet. On a Cluster it reaches one
      // node, which says nothing of the others: there each breaker's own read is its proof.
      if (this.localModeScope === 'fleet') await this.command(() => this.options.redis.ping());
      else if (this.options.redis.status !== 'ready') return false;
      results = await Promise.allSettled(breakers.map((b) => this.command(() => this.context.scripts.snapshot(b.target))));
      // Breakers created while the snapshots were on their way were put in local mode: read them too.
      for (const late of this.list().filter((b) => !breakers.includes(b) && b.mode === 'local')) {
        breakers.push(late);
        results.push((await Promise.allSettled([this.command(() => this.context.scripts.snapshot(late.target))]))[0]);
      }
    } catch {
      return false;
    }
    // Redis is away or unwell; a breaker whose own data is broken says nothing about the others.
    if (this.localModeScope === 'fleet' && results.some((r) => r.status === 'rejected' && !isBreakerDataFault(r.reason))) return false;
    if (this.closed) return false;
    this.connectionMode = 'fleet';
    const resyncs: Promise<void>[] = [];
    breakers.forEach((b, i) => {
      const result = results[i];
      // A broken breaker, or (in `breaker` scope) one whose shard does not answer, stays or goes local.
      if (result.status === 'rejected') b.reportFailure(result.reason);
      // Sends what the breaker saw while cut off, then takes the fleet's state.
      else if (b.mode === 'local') resyncs.push(b.resync(result.value.snapshot));
      else b.apply(result.value.snapshot, 'sync');
    });
    await Promise.all(resyncs);
    this.announceMode();
    return this.mode === 'fleet';
  }

  private async syncOne(breaker: FleetBreaker): Promise<void> {
    if (this.connectionMode === 'local') return;
    try {
      const reply = await this.command(() => this.context.scripts.snapshot(breaker.target));
      breaker.apply(reply.snapshot, 'newer');
    } catch (error) {
      // The fleet (command(), `fleet` scope) or this breaker (`breaker` scope, or its data is
      // broken) decides locally now; the periodic sync brings it back.
      breaker.reportFailure(error);
    }
  }

  private receive(channel: string, message: string): void {
    if (channel !== this.channel || this.connectionMode === 'local') return;
    const parsed = parseTransitionMessage(message);
    if (parsed === undefined) return;
    this.breakers.get(parsed.name)?.apply(parsed.snapshot, 'newer');
  }

  private async command<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await sendWithin(this.options.redis, this.commandTimeoutMs, send);
    } catch (error) {
      // A script that failed on one breaker's data fails again when resent: not Redis being away.
      // In `breaker` scope the breaker that sent it judges (FleetBreaker.reportFailure).
      if (this.localModeScope === 'fleet' && !isBreakerDataFault(error)) this.enterLocalMode(error);
      throw error;
    }
  }

  private enterLocalMode(cause: unknown): void {
    if (this.connectionMode === 'local' || this.closed) return;
    this.connectionMode = 'local';
    this.announceMode(cause);
    for (const b of this.breakers.values()) b.enterLocalMode(cause);
  }

  /** Announces `mode` when it differs from what was last announced. */
  private announceMode(cause?: unknown): void {
    const mode = this.mode;
    if (mode === this.announcedMode || this.closed) return;
    this.announcedMode = mode;
    this.modeChanged.emit(mode === 'local' ? { breaker: '*', mode, cause } : { breaker: '*', mode });
  }
}

export function createFleetBreakers(options: FleetBreakersOptions): FleetBreakers {
  return new FleetBreakers(options);
}
