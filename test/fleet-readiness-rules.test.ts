// The decision rules of the launcher's readiness routing (scripts/fleet/readiness-rules.ts,
// reload-debounce.ts), without processes: an instance leaves after `fall` failed checks in a row
// and comes back after `rise` good ones; nginx never routes to none; a flapping instance costs at
// most one reload per interval. Timing on jest's fake clock.
import { ReadinessHysteresis, routingFor, sameRouting, type Routing } from '../scripts/fleet/readiness-rules';
import { ReloadDebounce } from '../scripts/fleet/reload-debounce';
import { readinessRoutingFromEnv, DEFAULT_READINESS_ROUTING } from '../scripts/fleet/readiness-routing-settings';
import { UsageError } from '../scripts/fleet/fleet-options';
import { renderNginxConfig, upstreamServerLine } from '../scripts/fleet/nginx-config';

describe('readiness hysteresis', () => {
  it('given a ready instance, when checks fail, then it is not ready only after `fall` failures in a row', () => {
    const instance = new ReadinessHysteresis({ fall: 3, rise: 2 });
    expect([instance.record(false), instance.record(false)]).toEqual([false, false]);
    expect(instance.isReady).toBe(true);
    expect(instance.record(false)).toBe(true);
    expect(instance.isReady).toBe(false);
  });

  it('given failures, when one good check comes between them, then the streak starts again', () => {
    const instance = new ReadinessHysteresis({ fall: 3, rise: 2 });
    for (const ok of [false, false, true, false, false]) instance.record(ok);
    expect(instance.isReady).toBe(true);
    instance.record(false);
    expect(instance.isReady).toBe(false);
  });

  it('given a not-ready instance, when it answers 200 again, then it is ready after `rise` good checks in a row, and a flap in between resets them', () => {
    const instance = new ReadinessHysteresis({ fall: 1, rise: 2 });
    instance.record(false);
    expect(instance.isReady).toBe(false);
    for (const ok of [true, false, true]) expect(instance.record(ok)).toBe(false);
    expect(instance.isReady).toBe(false);
    expect(instance.record(true)).toBe(true);
    expect(instance.isReady).toBe(true);
  });

  it('given a half-counted streak, when the instance is restarted, then the streak is forgotten', () => {
    const instance = new ReadinessHysteresis({ fall: 2, rise: 2 });
    instance.record(false);
    instance.forgetStreak();
    instance.record(false);
    expect(instance.isReady).toBe(true);
  });
});

describe('routing: never empty', () => {
  it('routes to the ready instances only', () => {
    expect(routingFor([['api-1', true], ['api-2', false], ['api-3', true]])).toEqual({ routed: ['api-1', 'api-3'], noneReady: false });
  });

  it('given no instance is ready (Redis down for all), then every instance stays routed', () => {
    expect(routingFor([['api-1', false], ['api-2', false]])).toEqual({ routed: ['api-1', 'api-2'], noneReady: true });
  });

  it('given the last ready instance turns unready, then the ones taken out before come back too', () => {
    const before = routingFor([['api-1', true], ['api-2', false]]);
    const after = routingFor([['api-1', false], ['api-2', false]]);
    expect(before.routed).toEqual(['api-1']);
    expect(after.routed).toEqual(['api-1', 'api-2']);
  });

  it('compares routings by their instances and the none-ready flag', () => {
    expect(sameRouting({ routed: ['a', 'b'], noneReady: true }, { routed: ['a', 'b'], noneReady: false })).toBe(false);
    expect(sameRouting({ routed: ['a'], noneReady: false }, { routed: ['a'], noneReady: false })).toBe(true);
  });
});

describe('reload debounce', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const ALL: Routing = { routed: ['api-1', 'api-2'], noneReady: false };
  const ONE: Routing = { routed: ['api-1'], noneReady: false };

  function debounce(applied: Routing[], fail: () => boolean = () => false): ReloadDebounce<Routing> {
    return new ReloadDebounce<Routing>({
      initial: ALL,
      minIntervalMs: 2_000,
      same: sameRouting,
      apply: async (routing) => {
        if (fail()) throw new Error('nginx said no');
        applied.push(routing);
      },
      onError: () => undefined,
      now: () => Date.now(),
    });
  }

  it('given no reload for a while, when the routing changes, then it is applied at once', async () => {
    const applied: Routing[] = [];
    const reloads = debounce(applied);
    reloads.want(ONE);
    await jest.advanceTimersByTimeAsync(0);
    expect(applied).toEqual([ONE]);
  });

  it('given an instance that flaps ten times within one interval, then nginx is reloaded at most once per interval, with the latest routing', async () => {
    const applied: Routing[] = [];
    const reloads = debounce(applied);
    reloads.want(ONE);
    await jest.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 10; i++) {
      reloads.want(i % 2 === 0 ? ALL : ONE);
      await jest.advanceTimersByTimeAsync(150);
    }
    expect(applied).toEqual([ONE]);
    await jest.advanceTimersByTimeAsync(2_000);
    // The flapping ended on ONE, which is already in force: no second reload at all.
    expect(applied).toEqual([ONE]);
    reloads.want(ALL);
    await jest.advanceTimersByTimeAsync(0);
    expect(applied).toEqual([ONE, ALL]);
    expect(reloads.applications).toBe(2);
  });

  it('given a change inside the interval, then it waits for the rest of the interval', async () => {
    const applied: Routing[] = [];
    const reloads = debounce(applied);
    reloads.want(ONE);
    await jest.advanceTimersByTimeAsync(500);
    reloads.want(ALL);
    await jest.advanceTimersByTimeAsync(1_400);
    expect(applied).toEqual([ONE]);
    await jest.advanceTimersByTimeAsync(100);
    expect(applied).toEqual([ONE, ALL]);
  });

  it('given a reload that fails, then it is tried again one interval later', async () => {
    const applied: Routing[] = [];
    let failures = 1;
    const reloads = debounce(applied, () => failures-- > 0);
    reloads.want(ONE);
    await jest.advanceTimersByTimeAsync(0);
    expect(applied).toEqual([]);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(applied).toEqual([ONE]);
  });

  it('given a stop, then nothing more is applied', async () => {
    const applied: Routing[] = [];
    const reloads = debounce(applied);
    reloads.want(ONE);
    await reloads.stop();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(applied).toEqual([]);
  });
});

describe('readiness routing settings', () => {
  it('has named defaults, and takes each from the environment', () => {
    expect(readinessRoutingFromEnv({})).toEqual(DEFAULT_READINESS_ROUTING);
    expect(readinessRoutingFromEnv({ FLEET_READINESS_ROUTING: 'off', FLEET_READINESS_FALL: '5', FLEET_READINESS_RISE: '4', FLEET_READINESS_INTERVAL_MS: '200', FLEET_READINESS_TIMEOUT_MS: '300', FLEET_READINESS_RELOAD_INTERVAL_MS: '0' })).toEqual({
      enabled: false,
      fall: 5,
      rise: 4,
      intervalMs: 200,
      timeoutMs: 300,
      reloadIntervalMs: 0,
    });
  });

  it('refuses a value it cannot use, naming the setting', () => {
    expect(() => readinessRoutingFromEnv({ FLEET_READINESS_FALL: '0' })).toThrow(UsageError);
    expect(() => readinessRoutingFromEnv({ FLEET_READINESS_ROUTING: 'maybe' })).toThrow(/FLEET_READINESS_ROUTING/);
  });
});

describe('nginx upstream block with instances taken out', () => {
  const VALUES = { listen: '127.0.0.1:8080', upstreams: ['127.0.0.1:3001', '127.0.0.1:3002'], accessLog: 'off' };

  it('marks the taken-out instances `down` and keeps the others as before', () => {
    const config = renderNginxConfig('upstream u { ${UPSTREAM_SERVERS} } listen ${LISTEN}; ${ACCESS_LOG}', { ...VALUES, down: new Set(['127.0.0.1:3002']) });
    expect(config).toContain(`${upstreamServerLine('127.0.0.1:3001')}`);
    expect(config).toContain('server 127.0.0.1:3002 max_fails=1 fail_timeout=2s down;');
  });

  it('refuses a block with every instance down (nginx would answer 502 itself)', () => {
    expect(() => renderNginxConfig('${UPSTREAM_SERVERS} ${LISTEN} ${ACCESS_LOG}', { ...VALUES, down: new Set(VALUES.upstreams) })).toThrow(/at least one upstream instance must stay up/);
  });
});
