// Fleet breakers over one real Redis for scenario tests: each "instance" is its own FleetBreakers
// with its own coordination connection, as separate processes of the payment API would be.
import { once } from 'node:events';
import Redis, { type RedisOptions } from 'ioredis';
import { BreakerState, type BreakerConfig } from '@breakwater/resilience';
import { createCoordinationRedis, createFleetBreakers, type FleetBreaker, type FleetBreakers, type FleetBreakersOptions } from '@breakwater/redis-store';
import { redisUrl, uniquePrefix } from './redis-server';
import { nextTurn } from './wait-for';

export const BREAKER = 'provider-a';

export class ProviderDown extends Error {
  override readonly name = 'ProviderDown';
}

/** An error the breakers under test are configured to ignore: the provider never saw the call. */
export class NeverSent extends Error {
  override readonly name = 'NeverSent';
}

export const isNeverSent = (error: unknown): boolean => error instanceof NeverSent;

type Behaviour = 'succeed' | 'fail' | 'gate';

class Gate {
  open: (end: () => void) => void = () => undefined;
  readonly opened = new Promise<() => void>((resolve) => (this.open = resolve));
}

/** A provider whose behaviour the test sets; `gate` holds calls until the test ends them. */
export class Downstream {
  calls = 0;
  behaviour: Behaviour = 'succeed';
  private gate = new Gate();

  readonly call = async (): Promise<string> => {
    const behaviour = this.behaviour;
    this.calls++;
    await nextTurn();
    if (behaviour === 'fail') throw new ProviderDown('503 {"processed": false}');
    if (behaviour === 'gate') (await this.gate.opened)();
    return 'ok';
  };

  /** Ends every call held at the gate: `end` runs in each of them (throw from it to fail them). */
  release(end: () => void = () => undefined): void {
    this.gate.open(end);
    this.gate = new Gate();
  }
}

export interface Instance {
  id: string;
  redis: Redis;
  fleet: FleetBreakers;
  breaker: FleetBreaker;
}

/** The instances of one test, on one Redis, under one key prefix; `close` leaves nothing behind. */
export class FleetInstances {
  readonly prefix = uniquePrefix('fleet');
  readonly instances: Instance[] = [];
  private readonly connections: Redis[] = [];

  constructor(readonly url: string = redisUrl()) {}

  /** `connection`: overrides of the coordination connection's options (a test about something else than timeouts may be patient). */
  async start(count: number, config: Partial<BreakerConfig>, options: Partial<FleetBreakersOptions> = {}, connection: RedisOptions = {}): Promise<Instance[]> {
    const started: Instance[] = [];
    for (let i = 0; i < count; i++) started.push(await this.add(config, options, connection));
    return started;
  }

  async add(config: Partial<BreakerConfig>, options: Partial<FleetBreakersOptions> = {}, connection: RedisOptions = {}): Promise<Instance> {
    const id = `instance-${this.instances.length}`;
    const redis = createCoordinationRedis(this.url, connection);
    redis.on('error', () => undefined);
    this.connections.push(redis);
    // A fleet on a connection still connecting starts in local mode (by design): start connected.
    if (redis.status !== 'ready') await once(redis, 'ready');
    const fleet = createFleetBreakers({ redis, instanceId: id, keyPrefix: this.prefix, ...options });
    const breaker = fleet.get(BREAKER, config);
    const instance: Instance = { id, redis, fleet, breaker };
    this.instances.push(instance);
    await fleet.ready();
    if (breaker.mode !== 'fleet') throw new Error(`${id} did not reach fleet mode`);
    return instance;
  }

  /** A plain connection the test owns (closed with the fixture). */
  connection(): Redis {
    const redis = new Redis(this.url, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    this.connections.push(redis);
    return redis;
  }

  async close(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.fleet.close()));
    for (const redis of this.connections) redis.disconnect();
    const cleaner = new Redis(this.url, { maxRetriesPerRequest: 1 });
    cleaner.on('error', () => undefined);
    try {
      const keys = await cleaner.keys(`${this.prefix}*`);
      if (keys.length > 0) await cleaner.del(...keys);
    } catch {
      // A test that stopped its own Redis has nothing left to clean.
    } finally {
      cleaner.disconnect();
    }
  }
}

export const everyState = (instances: readonly Instance[], state: BreakerState): boolean => instances.every((i) => i.breaker.state === state);

/** `count` failing calls in a row from one instance. */
export async function failCalls(instance: Instance, provider: Downstream, count: number): Promise<void> {
  provider.behaviour = 'fail';
  for (let i = 0; i < count; i++) await instance.breaker.execute(provider.call).catch(() => undefined);
}
