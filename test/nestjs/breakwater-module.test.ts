// @breakwater/nestjs in a small Fastify application over the shared Redis (a key prefix per
// test): a @Guarded provider method trips the fleet breaker and the exception filter answers 503
// with Retry-After without calling the downstream; the breaker health indicator turns down; the
// admin controller refuses a wrong token and resets the breaker fleet-wide with the right one;
// forRootAsync builds the same from a factory; closing the application flushes the outcomes its
// breakers had not yet sent; with Redis gone, the Redis indicator reports down.
import { Injectable, Module } from '@nestjs/common';
import Redis from 'ioredis';
import { BreakwaterModule, BreakwaterRegistry, UnknownDownstreamError, type BreakwaterOptions } from '@breakwater/nestjs';
import { deleteKeysByPrefix, redisUrl, startRedisServer, uniquePrefix, type RedisServerHandle } from '../support/redis-server';
import { waitFor } from '../support/wait-for';
import { StockDownstream } from './support/stock-downstream';
import { startApp, StockService, stockModule, type RunningApp } from './support/stock-app';

const ADMIN_TOKEN = 'nest-admin-token-0123456789abcdef0123';
const MINIMUM_CALLS = 4;

function optionsFor(keyPrefix: string, extra: Partial<BreakwaterOptions> = {}): BreakwaterOptions {
  return {
    redis: redisUrl(),
    instanceId: `nest-${keyPrefix}`,
    keyPrefix,
    adminToken: ADMIN_TOKEN,
    downstreams: { stock: { breaker: { minimumCalls: MINIMUM_CALLS, failureRateThreshold: 0.5, openBaseMs: 30_000, openMaxMs: 30_000 }, timeoutMs: 2_000 } },
    ...extra,
  };
}

const post = (url: string, token?: string): Promise<Response> => fetch(url, { method: 'POST', headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

describe('BreakwaterModule.forRoot: a guarded service method behind a fleet breaker', () => {
  const prefix = uniquePrefix('nest-root');
  const downstream = new StockDownstream();
  let running: RunningApp;

  beforeAll(async () => {
    await downstream.start();
    running = await startApp(stockModule(BreakwaterModule.forRoot({ ...optionsFor(prefix), admin: {} }), downstream.url));
  });

  afterAll(async () => {
    await running?.app.close();
    await downstream.stop();
    await deleteKeysByPrefix(redisUrl(), prefix);
  });

  it('answers through the guarded method while the downstream is up, with breaker and policy injectable by name', async () => {
    const answer = await fetch(`${running.url}/stock/sku-1`);

    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ sku: 'sku-1', available: 7 });
    const registry = running.app.get(BreakwaterRegistry);
    expect(registry.names).toEqual(['stock']);
    expect(registry.breaker('stock').state).toBe('CLOSED');
    const service = running.app.get(StockService);
    expect(service.breaker).toBe(registry.breaker('stock'));
    expect(service.policy).toBe(registry.chain('stock'));
  });

  it('given a failing downstream, trips within minimumCalls and answers 503 with Retry-After without calling it again; health turns down', async () => {
    downstream.failing = true;
    const before = downstream.requests;
    const statuses: number[] = [];
    for (let i = 0; i < MINIMUM_CALLS + 2; i++) statuses.push((await fetch(`${running.url}/stock/sku-1`)).status);
    const failed = statuses.filter((s) => s === 500).length;

    const refused = await fetch(`${running.url}/stock/sku-1`);
    const health = await fetch(`${running.url}/health`);

    // The window already holds the first test's success: 3 failures of 4 calls trip it.
    expect(statuses).toEqual([...Array(failed).fill(500), ...Array(MINIMUM_CALLS + 2 - failed).fill(503)]);
    expect(failed).toBeLessThanOrEqual(MINIMUM_CALLS);
    expect(downstream.requests - before).toBe(failed);
    expect(running.app.get(BreakwaterRegistry).breaker('stock').state).toBe('OPEN');
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ error: 'BREAKER_OPEN', downstream: 'stock' });
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'error', error: { downstreams: { status: 'down', stock: 'OPEN' } }, info: { redis: { status: 'up' } } });
  });

  it('lists the breakers with the admin token only, and refuses an override with a wrong or missing token', async () => {
    const wrong = await post(`${running.url}/breakers/stock/reset`, 'not-the-admin-token');
    const missing = await post(`${running.url}/breakers/stock/reset`);
    const unlisted = await fetch(`${running.url}/breakers`);
    const listed = await fetch(`${running.url}/breakers`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

    expect([wrong.status, missing.status, unlisted.status]).toEqual([401, 401, 401]);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    expect(running.app.get(BreakwaterRegistry).breaker('stock').state).toBe('OPEN');
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual([expect.objectContaining({ name: 'stock', state: 'OPEN', minimumCalls: MINIMUM_CALLS, mode: 'fleet' })]);
  });

  it('resets the breaker with the right token (fleet-wide, in Redis), and names an unknown breaker 404', async () => {
    const reset = await post(`${running.url}/breakers/stock/reset`, ADMIN_TOKEN);
    const unknown = await post(`${running.url}/breakers/nope/reset`, ADMIN_TOKEN);
    downstream.failing = false;

    expect(reset.status).toBe(200);
    expect(await reset.json()).toMatchObject({ name: 'stock', state: 'CLOSED' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'UNKNOWN_BREAKER' });
    const redis = new Redis(redisUrl());
    try {
      expect(await redis.hget(`${prefix}bw:{stock}:state`, 'state')).toBe('CLOSED');
    } finally {
      redis.disconnect();
    }
    expect((await fetch(`${running.url}/stock/sku-2`)).status).toBe(200);
  });
});

@Injectable()
class StockSettings {
  readonly minimumCalls = 7;
}

@Module({ providers: [StockSettings], exports: [StockSettings] })
class SettingsModule {}

describe('BreakwaterModule.forRootAsync and shutdown', () => {
  const prefix = uniquePrefix('nest-async');
  const downstream = new StockDownstream();

  beforeAll(() => downstream.start());
  afterAll(async () => {
    await downstream.stop();
    await deleteKeysByPrefix(redisUrl(), prefix);
  });

  it('builds the breakers from a factory with injected settings; closing the app flushes the outcomes not yet sent', async () => {
    const module = BreakwaterModule.forRootAsync({
      imports: [SettingsModule],
      inject: [StockSettings],
      downstreams: ['stock'],
      // A flush interval longer than the test: only the shutdown sends these outcomes.
      useFactory: (settings: StockSettings) => optionsFor(prefix, { downstreams: { stock: { breaker: { minimumCalls: settings.minimumCalls } } }, fleet: { flushIntervalMs: 600_000 } }),
    });
    const running = await startApp(stockModule(module, downstream.url));
    const redis = new Redis(redisUrl());
    const windowCalls = async (): Promise<number> => {
      const fields = await redis.hgetall(`${prefix}bw:{stock}:window`);
      return Object.entries(fields)
        .filter(([k]) => k.endsWith(':c'))
        .reduce((sum, [, v]) => sum + Number(v), 0);
    };
    try {
      for (let i = 0; i < 3; i++) expect((await fetch(`${running.url}/stock/sku-${i}`)).status).toBe(200);
      expect(running.app.get(BreakwaterRegistry).breaker('stock').snapshot().minimumCalls).toBe(7);
      const sentBefore = await windowCalls();

      await running.app.close();

      expect(sentBefore).toBe(0);
      expect(await windowCalls()).toBe(3);
    } finally {
      await running.app.close();
      redis.disconnect();
    }
  });

  it('refuses to start when a name given for injection is not among the factory downstreams', async () => {
    const module = BreakwaterModule.forRootAsync({ downstreams: ['stock', 'ghost'], useFactory: () => optionsFor(prefix) });

    await expect(startApp(stockModule(module, downstream.url))).rejects.toBeInstanceOf(UnknownDownstreamError);
  });
});

describe('RedisHealthIndicator with Redis gone', () => {
  const prefix = uniquePrefix('nest-redis-down');
  const downstream = new StockDownstream();
  let server: RedisServerHandle;
  let running: RunningApp;

  beforeAll(async () => {
    server = await startRedisServer();
    await downstream.start();
    running = await startApp(stockModule(BreakwaterModule.forRoot(optionsFor(prefix, { redis: server.url })), downstream.url));
  });

  afterAll(async () => {
    await running?.app.close();
    await downstream.stop();
    await server?.cleanup();
  });

  it('reports redis down (503) once the server is killed, while the breakers decide locally and calls still work', async () => {
    expect((await fetch(`${running.url}/health`)).status).toBe(200);

    await server.kill();
    await waitFor(() => running.app.get(BreakwaterRegistry).fleet.mode === 'local', { timeoutMs: 5_000, description: 'local mode' });
    const health = await fetch(`${running.url}/health`);

    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ error: { redis: { status: 'down' } }, info: { downstreams: { status: 'up' } } });
    expect((await fetch(`${running.url}/stock/sku-1`)).status).toBe(200);
  });
});
