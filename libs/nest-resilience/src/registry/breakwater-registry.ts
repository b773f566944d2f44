import { InvalidConfigError, type Disposable, type Policy } from '@breakwater/resilience';
import { createCoordinationConnection, createFleetBreakers, type FleetBreaker, type FleetBreakers, type FleetRetryBudget, type RedisConnection } from '@breakwater/redis-store';
import type { BreakwaterOptions, BreakwaterTelemetry } from '../options/breakwater-options';
import { buildChain } from './downstream-chain';
import { UnknownDownstreamError } from './unknown-downstream.error';

/**
 * Every downstream's fleet breaker and policy chain, built once from the options, by name. It
 * needs no NestJS: BreakwaterModule provides one per application, and code outside Nest (a
 * worker, a script, a test) can make its own and close it.
 */
export class BreakwaterRegistry {
  readonly fleet: FleetBreakers;
  /** The coordination connection the breakers, budgets and caches use. */
  readonly redis: RedisConnection;
  readonly instanceId: string;
  readonly keyPrefix: string;
  /** Who watches the policies: bind what you build beside them (a cache, a fallback) to the same observer. */
  readonly telemetry: BreakwaterTelemetry | undefined;
  private readonly ownsRedis: boolean;
  private readonly chains = new Map<string, Policy>();
  private readonly budgets: FleetRetryBudget[] = [];
  private readonly observed: Disposable[] = [];
  private closing: Promise<void> | undefined;

  constructor(options: BreakwaterOptions) {
    const names = Object.keys(options.downstreams ?? {});
    if (names.length === 0) throw new InvalidConfigError('BreakwaterModule', ['downstreams must name at least one downstream']);
    this.instanceId = options.instanceId;
    this.keyPrefix = options.keyPrefix ?? '';
    this.ownsRedis = typeof options.redis === 'string';
    this.redis = typeof options.redis === 'string' ? createCoordinationConnection(options.redis) : options.redis;
    // Failures surface as failing commands, local mode and health; an 'error' with no listener would end the process.
    if (this.ownsRedis) this.redis.on('error', () => undefined);
    this.telemetry = options.telemetry;
    try {
      const timings = options.fleet ?? {};
      this.fleet = createFleetBreakers({
        redis: this.redis,
        instanceId: options.instanceId,
        keyPrefix: this.keyPrefix,
        flushIntervalMs: timings.flushIntervalMs,
        syncIntervalMs: timings.syncIntervalMs,
        commandTimeoutMs: timings.commandTimeoutMs,
      });
      const telemetry = options.telemetry;
      if (telemetry !== undefined) this.observed.push(telemetry.observer.fleet(this.fleet));
      for (const name of names) {
        const settings = options.downstreams[name];
        const breaker = this.fleet.get(name, settings.breaker);
        const built = buildChain({ name, settings, breaker, redis: this.redis, keyPrefix: this.keyPrefix, telemetry });
        this.chains.set(name, built.chain);
        if (built.budget !== undefined) this.budgets.push(built.budget);
        this.observed.push(...built.observed);
      }
    } catch (error) {
      // A bad setting must not leave a connection behind: it would keep the process alive.
      this.abandon();
      throw error;
    }
  }

  /** The configured downstreams, in the order of the options. */
  get names(): string[] {
    return [...this.chains.keys()];
  }

  has(name: string): boolean {
    return this.chains.has(name);
  }

  /** The downstream's whole chain (retry, breaker, bulkhead, timeout, as configured). */
  chain(name: string): Policy {
    const chain = this.chains.get(name);
    if (chain === undefined) throw new UnknownDownstreamError(name, this.names);
    return chain;
  }

  /** The downstream's fleet breaker alone. */
  breaker(name: string): FleetBreaker {
    if (!this.chains.has(name)) throw new UnknownDownstreamError(name, this.names);
    return this.fleet.get(name);
  }

  /** Resolves once Redis answered and every breaker was read, or after `timeoutMs` in local mode. */
  ready(timeoutMs?: number): Promise<void> {
    return this.fleet.ready(timeoutMs);
  }

  /** Sends the outcomes still pending, stops the timers, and closes the connection it made. Safe to repeat. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private abandon(): void {
    for (const o of this.observed.splice(0)) o.dispose();
    for (const b of this.budgets) b.close();
    void this.fleet?.close();
    if (this.ownsRedis) this.redis.disconnect();
  }

  private async shutdown(): Promise<void> {
    for (const o of this.observed.splice(0)) o.dispose();
    for (const b of this.budgets) b.close();
    await this.fleet.close();
    if (this.ownsRedis) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
