// breakwater_fleet_breaker_local_mode{name}: which fleet breakers decide alone, read at scrape
// time from FleetBreakers.localBreakers(). breakwater_fleet_mode says only whether any does.
//
// Given one instance with two breakers over a private redis-server, when one breaker's data is
// broken, then the gauge is 1 for it and 0 for the other (the fleet mode stays `fleet`); when
// the server is killed, it is 1 for both; once the server is back, 0 for both. (One Cluster shard
// down is in test/fleet-cluster-shard-down.test.ts.)
import { Registry } from 'prom-client';
import { createCoordinationRedis, createFleetBreakers, type FleetBreakers } from '@breakwater/redis-store';
import { MetricNames, ResilienceMetrics } from '@breakwater/telemetry';
import type Redis from 'ioredis';
import { startRedisServer, uniquePrefix, type RedisServerHandle } from '../support/redis-server';
import { waitFor } from '../support/wait-for';

async function gauge(registry: Registry, name: string): Promise<number | undefined> {
  const values = (await registry.getSingleMetric(MetricNames.fleetBreakerLocalMode)?.get())?.values ?? [];
  return values.find((v) => v.labels.name === name)?.value;
}

async function fleetModeGauge(registry: Registry): Promise<string | undefined> {
  const values = (await registry.getSingleMetric(MetricNames.fleetMode)?.get())?.values ?? [];
  return values.find((v) => v.value === 1)?.labels.mode?.toString();
}

describe('the per-breaker local mode gauge', () => {
  let server: RedisServerHandle;
  let redis: Redis;
  let admin: Redis;
  let fleet: FleetBreakers;

  beforeAll(async () => {
    server = await startRedisServer();
  });

  afterAll(async () => {
    await fleet?.close();
    redis?.disconnect();
    admin?.disconnect();
    await server?.cleanup();
  });

  it('is 1 for the breaker deciding alone and 0 for the others, then 1 for all while Redis is away, then 0 again', async () => {
    redis = createCoordinationRedis(server.url);
    redis.on('error', () => undefined);
    admin = createCoordinationRedis(server.url, { commandTimeout: 5_000 });
    admin.on('error', () => undefined);
    fleet = createFleetBreakers({ redis, instanceId: 'metric-1', keyPrefix: uniquePrefix('local-gauge'), syncIntervalMs: 100 });
    const registry = new Registry();
    new ResilienceMetrics(registry).fleet(fleet);
    const broken = fleet.get('psp-broken', { minimumCalls: 5 });
    const healthy = fleet.get('psp-healthy', { minimumCalls: 5 });
    await fleet.ready(5_000);
    await waitFor(() => fleet.mode === 'fleet', { timeoutMs: 5_000, description: 'fleet mode' });
    expect([await gauge(registry, 'psp-broken'), await gauge(registry, 'psp-healthy')]).toEqual([0, 0]);

    await admin.set(broken.target.keys.state, 'not a hash');
    await waitFor(() => broken.mode === 'local', { timeoutMs: 5_000, description: 'the broken breaker to decide alone' });
    expect([await gauge(registry, 'psp-broken'), await gauge(registry, 'psp-healthy')]).toEqual([1, 0]);
    expect(await fleetModeGauge(registry)).toBe('fleet');

    await server.kill();
    await waitFor(() => healthy.mode === 'local', { timeoutMs: 5_000, description: 'every breaker to decide alone' });
    expect([await gauge(registry, 'psp-broken'), await gauge(registry, 'psp-healthy')]).toEqual([1, 1]);
    expect(await fleetModeGauge(registry)).toBe('local');

    // A restarted redis-server without persistence comes back empty: the broken key is gone too.
    await server.restart();
    await waitFor(() => fleet.mode === 'fleet' && broken.mode === 'fleet', { timeoutMs: 10_000, description: 'fleet mode again' });
    expect([await gauge(registry, 'psp-broken'), await gauge(registry, 'psp-healthy')]).toEqual([0, 0]);
  });
});
