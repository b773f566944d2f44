// A fleet-wide bulkhead over one real Redis: each "instance" is its own FleetBulkhead with its own
// ioredis connection, as separate processes of the payment API would be; one test kills a real OS
// process (test/fixtures/bulkhead-holder.ts) while it holds permits.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Redis from 'ioredis';
import { BULKHEAD_REJECTED, BulkheadRejectedError, type ProtectedCall } from '@breakwater/resilience';
import { bulkheadLeasesKey, createCoordinationRedis, createFleetBulkhead, type FleetBulkhead, type FleetBulkheadOptions } from '@breakwater/redis-store';
import { redisUrl, startRedisServer, uniquePrefix, type RedisServerHandle } from './support/redis-server';
import { nextTurn, rejectionOf, waitFor } from './support/wait-for';

const ROOT = join(__dirname, '..');
const HOLDER_FILE = join(__dirname, 'fixtures', 'bulkhead-holder.ts');
const BULKHEAD = 'provider-a';
const FLEET_LIMIT = 3;
const HOLDER_START_TIMEOUT_MS = 15_000;
// Far below the Redis command timeout these instances use, and loose enough for a busy CI machine.
const FAST_MS = 150;

// ---------------------------------------------------------------------------------------------
// The downstream: counts the calls running at once; each call hangs until the test opens the gate.

class Downstream {
  running = 0;
  maxRunning = 0;
  calls = 0;
  private gateOpen: () => void = () => undefined;
  private gate = this.newGate();

  readonly call: ProtectedCall<string> = async () => {
    this.calls++;
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      await this.gate;
      return 'ok';
    } finally {
      this.running--;
    }
  };

  /** Lets every waiting call finish; later calls wait at a new gate. */
  open(): void {
    this.gateOpen();
    this.gate = this.newGate();
  }

  private newGate(): Promise<void> {
    return new Promise((resolve) => (this.gateOpen = resolve));
  }
}

const quickCall: ProtectedCall<string> = async () => {
  await nextTurn();
  return 'ok';
};

// ---------------------------------------------------------------------------------------------
// A fleet of instances over one Redis, each with its own connection, closed after every test.

class BulkheadFleet {
  readonly prefix = uniquePrefix('bulkhead');
  readonly key = bulkheadLeasesKey(this.prefix, BULKHEAD);
  private readonly connections: Redis[] = [];

  constructor(private readonly url: string = redisUrl()) {}

  async start(count: number, options: Partial<FleetBulkheadOptions> = {}): Promise<FleetBulkhead[]> {
    const instances: FleetBulkhead[] = [];
    for (let i = 0; i < count; i++) instances.push(await this.add(options));
    return instances;
  }

  async add(options: Partial<FleetBulkheadOptions> = {}): Promise<FleetBulkhead> {
    const redis = await this.connect();
    return createFleetBulkhead(BULKHEAD, { redis, keyPrefix: this.prefix, fleetLimit: FLEET_LIMIT, localLimit: 1, ...options });
  }

  /** Leases in the fleet's set that have not expired, by Redis time. */
  async liveLeases(): Promise<number> {
    const redis = await this.connect();
    const [seconds, micros] = await redis.time();
    return redis.zcount(this.key, `(${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)}`, '+inf');
  }

  async close(): Promise<void> {
    const cleaner = this.connections.find((c) => c.status === 'ready');
    // Best effort: a connection to a Redis the test killed may still say 'ready' for a moment.
    if (cleaner !== undefined) await cleaner.del(this.key).catch(() => undefined);
    for (const redis of this.connections) redis.disconnect();
  }

  private async connect(): Promise<Redis> {
    const redis = createCoordinationRedis(this.url);
    redis.on('error', () => undefined);
    this.connections.push(redis);
    if (redis.status !== 'ready') await once(redis, 'ready');
    return redis;
  }
}

/** Settles every promise; splits them into values and errors. */
async function outcomes<T>(promises: readonly Promise<T>[]): Promise<{ values: T[]; errors: unknown[] }> {
  const settled = await Promise.allSettled(promises);
  return {
    values: settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])),
    errors: settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : [])),
  };
}

/** One quick call: true when the bulkhead ran it, false when the fleet was full. */
async function admitted(bulkhead: FleetBulkhead): Promise<boolean> {
  try {
    await bulkhead.execute(quickCall);
    return true;
  } catch (error) {
    if (error instanceof BulkheadRejectedError && error.reason === 'fleet-full') return false;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// The holder: a child OS process that takes every permit and never finishes its calls.

const liveChildren = new Set<ChildProcessWithoutNullStreams>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

class HolderProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private output = '';
  private readonly exited: Promise<void>;

  constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, ['--import', 'tsx', HOLDER_FILE], {
      cwd: ROOT,
      env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    liveChildren.add(this.child);
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.once('exit', () => liveChildren.delete(this.child));
    this.child.stderr.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    this.child.stdin.on('error', () => undefined);
  }

  /** Resolves with the holding line's time (performance.now()) once the holder holds its permits. */
  holding(): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(this.failure(`no holding line within ${HOLDER_START_TIMEOUT_MS} ms`)), HOLDER_START_TIMEOUT_MS);
      createInterface({ input: this.child.stdout }).on('line', (line) => {
        const at = performance.now();
        if (line.includes('"event":"holding"')) {
          clearTimeout(timer);
          resolve(at);
        } else this.output += `[stdout] ${line}\n`;
      });
      this.child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(this.failure(`exited before holding (code ${code}, signal ${signal})`));
      });
    });
  }

  /** SIGKILL: no finally blocks, no releases, the connection just drops. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  private failure(reason: string): Error {
    return new Error(`bulkhead-holder (pid ${this.child.pid ?? '?'}) ${reason}\n--- output ---\n${this.output.trim() || '(empty)'}`);
  }
}

describe('a fleet-wide bulkhead over one Redis', () => {
  let fleet: BulkheadFleet;
  let server: RedisServerHandle | undefined;
  let holder: HolderProcess | undefined;

  afterEach(async () => {
    await holder?.kill();
    holder = undefined;
    await fleet.close();
    await server?.cleanup();
    server = undefined;
  });

  it(`given a fleet limit of ${FLEET_LIMIT} and three instances, when each sends three calls at once, then ${FLEET_LIMIT} run across the fleet, the rest are refused as fleet-full, and ending the calls gives the permits back`, async () => {
    fleet = new BulkheadFleet();
    const instances = await fleet.start(3);
    const provider = new Downstream();

    const wave = instances.flatMap((instance) => [1, 2, 3].map(() => instance.execute(provider.call)));
    const settled = outcomes(wave);
    const refusals: unknown[] = [];
    for (const call of wave) call.catch((error: unknown) => refusals.push(error));
    await waitFor(() => provider.running === FLEET_LIMIT && refusals.length === 9 - FLEET_LIMIT, { description: `${FLEET_LIMIT} calls running, the rest refused` });
    // The refused calls were never started, and the fleet holds exactly K leases.
    expect(provider.calls).toBe(FLEET_LIMIT);
    expect(await fleet.liveLeases()).toBe(FLEET_LIMIT);

    provider.open();
    const { values, errors } = await settled;
    expect(values).toEqual(Array.from({ length: FLEET_LIMIT }, () => 'ok'));
    expect(errors).toHaveLength(9 - FLEET_LIMIT);
    for (const error of errors) {
      expect(error).toBeInstanceOf(BulkheadRejectedError);
      expect(error).toMatchObject({ code: BULKHEAD_REJECTED, bulkhead: BULKHEAD, reason: 'fleet-full', limit: FLEET_LIMIT });
    }
    expect(provider.maxRunning).toBe(FLEET_LIMIT);
    expect(instances.reduce((sum, i) => sum + i.rejected, 0)).toBe(9 - FLEET_LIMIT);
    expect(instances.every((i) => i.mode === 'fleet' && i.inFlight === 0)).toBe(true);

    // The releases are sent as the calls end: the permits come back, and a new wave runs in full,
    // one call per instance.
    await waitFor(async () => (await fleet.liveLeases()) === 0, { description: 'every lease given back' });
    const second = instances.map((instance) => instance.execute(provider.call));
    await waitFor(() => provider.running === FLEET_LIMIT, { description: 'the second wave running' });
    provider.open();
    expect(await Promise.all(second)).toEqual(['ok', 'ok', 'ok']);
    expect(provider.maxRunning).toBe(FLEET_LIMIT);
  });

  it('given an instance that holds every permit, when its process is killed, then the fleet refuses calls while its leases live and admits them once they expire', async () => {
    const leaseMs = 1_500;
    fleet = new BulkheadFleet();
    const survivor = await fleet.add({ leaseMs });

    holder = new HolderProcess({
      REDIS_URL: redisUrl(),
      KEY_PREFIX: fleet.prefix,
      BULKHEAD_NAME: BULKHEAD,
      FLEET_LIMIT: String(FLEET_LIMIT),
      LEASE_MS: String(leaseMs),
    });
    const heldAt = await holder.holding();
    await holder.kill();
    expect(await fleet.liveLeases()).toBe(FLEET_LIMIT);

    // The dead instance's leases still count: nobody gets in, and the call is never started.
    const provider = new Downstream();
    const refusal = await rejectionOf(survivor.execute(provider.call));
    expect(refusal).toBeInstanceOf(BulkheadRejectedError);
    expect(refusal).toMatchObject({ reason: 'fleet-full', limit: FLEET_LIMIT });
    expect(provider.calls).toBe(0);
    expect(survivor.mode).toBe('fleet');

    // Once the leases expire, by themselves, the permits are the fleet's again.
    await waitFor(() => admitted(survivor), { timeoutMs: leaseMs + 1_000, intervalMs: 50, description: 'a call admitted after the leases expired' });
    const returnedAfterMs = performance.now() - heldAt;
    expect(returnedAfterMs).toBeGreaterThanOrEqual(leaseMs - 200);
    expect(returnedAfterMs).toBeLessThanOrEqual(leaseMs + 500);
    const calls = [1, 2, 3].map(() => survivor.execute(provider.call));
    await waitFor(() => provider.running === FLEET_LIMIT, { description: `all ${FLEET_LIMIT} permits usable again` });
    provider.open();
    expect(await Promise.all(calls)).toEqual(['ok', 'ok', 'ok']);
  });

  it('given Redis is down, when calls arrive, then the instance limits them to its local limit at once, in local mode', async () => {
    const localLimit = 2;
    server = await startRedisServer();
    fleet = new BulkheadFleet(server.url);
    const [instance] = await fleet.start(1, { fleetLimit: 10, localLimit });
    expect(await admitted(instance)).toBe(true);
    expect(instance.mode).toBe('fleet');

    // Right after the kill, before or after the connection notices: nothing waits for Redis.
    await server.kill();
    const provider = new Downstream();
    const startedAt = performance.now();
    const calls = [1, 2, 3, 4].map(() => instance.execute(provider.call));
    const settled = outcomes(calls);
    const refusals: unknown[] = [];
    for (const call of calls) call.catch((error: unknown) => refusals.push(error));
    await waitFor(() => provider.running === localLimit && refusals.length === 2, { timeoutMs: 1_000, intervalMs: 1, description: `${localLimit} calls running, 2 refused` });
    expect(performance.now() - startedAt).toBeLessThan(FAST_MS);

    expect(instance.mode).toBe('local');
    for (const error of refusals) expect(error).toMatchObject({ code: BULKHEAD_REJECTED, reason: 'full', limit: localLimit });
    expect(provider.maxRunning).toBe(localLimit);
    expect(instance.inFlight).toBe(localLimit);

    provider.open();
    expect((await settled).values).toEqual(['ok', 'ok']);
    // Still down: the next call is decided locally too, and just as fast.
    const nextAt = performance.now();
    expect(await instance.execute(quickCall)).toBe('ok');
    expect(performance.now() - nextAt).toBeLessThan(FAST_MS);
    expect(instance.mode).toBe('local');
  });
});
