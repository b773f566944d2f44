// Regression (issue 11): on Redis Cluster one shard down sent EVERY breaker of an instance into
// local mode, those whose keys live on healthy shards too: the fleet took one failed command as
// "Redis is away" (FleetBreakers.command) and the re-read, failing on the dead shard's breaker,
// kept all of them local until the replica was promoted.
//
// Given two instances on a local 3-master Cluster and two breakers, X and Y, whose slots live on
// different masters, when X's master is SIGKILLed, then X goes local on each instance while Y
// stays in fleet mode (no mode change at all) and still trips fleet-wide: failures on one
// instance open it on the other. Once the replica is promoted, X resyncs by itself and follows
// the fleet again (a FORCED_OPEN on one instance reaches the other).
//
// What the operator sees of it: breakwater_fleet_breaker_local_mode is 1 for X and 0 for Y, and
// the operator log names X as local and Y as still coordinating, where it used to say "Redis does
// not answer" as if all of Redis were away.
import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import { MetricNames, ResilienceMetrics } from '@breakwater/telemetry';
import { logLocalMode } from '../apps/payment-api/src/logging/local-mode-log';
import { OperatorLog } from '../apps/payment-api/src/logging/operator-log';
import { BreakerState, type ModeChange } from '@breakwater/resilience';
import { breakerKeys, createCoordinationConnection, createFleetBreakers, type FleetBreaker, type FleetBreakers, type RedisConnection } from '@breakwater/redis-store';
import { startRedisCluster, type RedisClusterHandle } from './support/redis-cluster';
import type { RedisServerHandle } from './support/redis-server';
import { uniquePrefix } from './support/redis-server';
import { waitFor } from './support/wait-for';

jest.setTimeout(60_000);

/** Long enough that Y stays OPEN for the rest of the test. */
const CONFIG = { minimumCalls: 5, failureRateThreshold: 0.5, openBaseMs: 30_000, openMaxMs: 30_000, openJitter: 0 };

const PATIENT_MS = 1_000;

class ProviderDown extends Error {
  override readonly name = 'ProviderDown';
}

describe('fleet breakers on Redis Cluster: one shard down', () => {
  const keyPrefix = uniquePrefix('shard-down');
  let cluster: RedisClusterHandle;
  const connections: RedisConnection[] = [];
  const fleets: FleetBreakers[] = [];

  beforeAll(async () => {
    cluster = await startRedisCluster();
  });

  afterAll(async () => {
    await Promise.all(fleets.map((f) => f.close()));
    for (const c of connections) c.disconnect();
    await cluster?.cleanup();
  });

  async function instance(id: string): Promise<FleetBreakers> {
    // A second, not 250 ms: on this shared machine a healthy node stalls for a few hundred ms now
    // and then, and the test is about which breakers a dead shard sends local, not about timeouts.
    const redis = createCoordinationConnection(cluster.url, { commandTimeout: PATIENT_MS });
    redis.on('error', () => undefined);
    connections.push(redis);
    const fleet = createFleetBreakers({ redis, instanceId: id, keyPrefix, commandTimeoutMs: PATIENT_MS });
    fleets.push(fleet);
    await waitFor(() => redis.status === 'ready', { timeoutMs: 10_000, description: `${id}'s Cluster connection to be ready` });
    await fleet.ready(10_000);
    return fleet;
  }

  /** Two breaker names whose keys live on different masters. */
  async function namesOnTwoMasters(): Promise<{ x: string; y: string; xMaster: RedisServerHandle }> {
    const seen = new Map<number, string>();
    for (let i = 0; i < 64; i++) {
      const name = `shard-${i}`;
      const master = await cluster.masterFor(breakerKeys(keyPrefix, name).state);
      const other = [...seen.entries()].find(([port]) => port !== master.port);
      if (other !== undefined) return { x: name, y: other[1], xMaster: master };
      seen.set(master.port, name);
    }
    throw new Error('no two breaker names on different masters');
  }

  it('sends only the dead shard’s breaker into local mode; the other still trips fleet-wide; the first resyncs after the promotion', async () => {
    const a = await instance('a');
    const b = await instance('b');
    const { x, y, xMaster } = await namesOnTwoMasters();
    const [xa, xb, ya, yb] = [a.get(x, CONFIG), b.get(x, CONFIG), a.get(y, CONFIG), b.get(y, CONFIG)];
    await waitFor(() => [xa, xb, ya, yb].every((br) => br.mode === 'fleet'), { timeoutMs: 5_000, description: 'every breaker read from the Cluster' });
    const registry = new Registry();
    new ResilienceMetrics(registry).fleet(a);
    const localGauge = async (name: string): Promise<number | undefined> => (await registry.getSingleMetric(MetricNames.fleetBreakerLocalMode)?.get())?.values.find((v) => v.labels.name === name)?.value;
    const sink = new PassThrough();
    let logged = '';
    sink.on('data', (chunk: Buffer) => (logged += chunk.toString('utf8')));
    const activity = logLocalMode(new OperatorLog('info', { instance: 'a' }, sink), a);
    expect([await localGauge(x), await localGauge(y)]).toEqual([0, 0]);
    const yModes: ModeChange[] = [];
    ya.onModeChange((m) => yModes.push(m));
    yb.onModeChange((m) => yModes.push(m));

    await xMaster.kill();
    // X's own traffic (and the periodic re-read) finds its shard gone.
    const ok = async (): Promise<string> => 'ok';
    await waitFor(
      async () => {
        await Promise.allSettled([xa.execute(ok), xb.execute(ok)]);
        return xa.mode === 'local' && xb.mode === 'local';
      },
      { timeoutMs: 5_000, intervalMs: 50, description: 'X to go local on both instances' },
    );
    expect([ya.mode, yb.mode]).toEqual(['fleet', 'fleet']);
    expect(a.mode).toBe('local'); // the instance is not wholly coordinated while one breaker is not
    expect(a.localBreakers()).toEqual([x]);
    expect([await localGauge(x), await localGauge(y)]).toEqual([1, 0]);
    const entering = logged.split('\n').filter((l) => l.includes('local-mode:'));
    expect(entering).toEqual([expect.stringContaining(`WARN local-mode: entering local mode for ${x} only: the Redis Cluster shard holding its keys does not answer`)]);
    expect(entering[0]).toContain(`local=${x} coordinating=${y}`);
    expect(logged).not.toContain('Redis does not answer');

    // Y trips on a's failures; b learns it from the fleet, with X's shard still down.
    const fail = async (): Promise<string> => {
      throw new ProviderDown('503');
    };
    for (let i = 0; i < CONFIG.minimumCalls * 2; i++) await ya.execute(fail).catch(() => undefined);
    await waitFor(() => yb.state === BreakerState.OPEN, { timeoutMs: 3_000, intervalMs: 10, description: 'b to see Y OPEN' });
    expect(yb.mode).toBe('fleet');
    expect(yModes).toEqual([]);

    // The replica takes over X's slots; X resyncs on its own.
    await cluster.waitUntilOk(30_000);
    await waitFor(() => xa.mode === 'fleet' && xb.mode === 'fleet', { timeoutMs: 10_000, intervalMs: 50, description: 'X back in fleet mode on both instances' });
    expect([a.mode, b.mode]).toEqual(['fleet', 'fleet']);
    expect(a.localBreakers()).toEqual([]);
    expect([await localGauge(x), await localGauge(y)]).toEqual([0, 0]);
    expect(logged).toContain('INFO local-mode: leaving local mode: Redis answers again');
    activity.dispose();
    await forceOpenReaches(xb, xa);
    expect(yModes).toEqual([]);
  });
});

async function forceOpenReaches(from: FleetBreaker, to: FleetBreaker): Promise<void> {
  await from.forceOpen();
  await waitFor(() => to.state === BreakerState.FORCED_OPEN, { timeoutMs: 3_000, intervalMs: 10, description: `${to.name} FORCED_OPEN on the other instance` });
}
