import { FleetView, STALE_AFTER_MS } from './fleet-view';
import type { InstanceReport } from './instance-report';

const report = (instanceId: string, seq: number, state: string, extra: Partial<InstanceReport> = {}): InstanceReport => ({
  instanceId,
  pid: 100,
  uptimeS: seq,
  seq,
  mode: 'fleet',
  breakers: [{ name: 'provider-a', state, failureRate: state === 'OPEN' ? 1 : 0, slowCallRate: 0, calls: 20, version: 1, mode: 'fleet' }],
  bulkheads: [],
  ...extra,
});
const rest = { degradation: { level: 'NORMAL' as const, degraded: [], mode: 'fleet' as const }, queues: null, pendingReview: null };

describe('FleetView', () => {
  it('given every instance sees provider-a OPEN, then the fleet row says OPEN and agrees', () => {
    const view = new FleetView('api-1');
    const u = view.build(0, report('api-1', 1, 'OPEN'), [report('api-2', 1, 'OPEN'), report('api-1', 0, 'CLOSED')], rest);
    expect(u.breakers).toEqual([expect.objectContaining({ name: 'provider-a', fleetState: 'OPEN', agree: true, failureRate: 1 })]);
    // The serving instance's own live report wins over its older one read back from Redis.
    expect(Object.keys(u.breakers[0].byInstance)).toEqual(['api-1', 'api-2']);
    expect(u.warnings).toEqual([]);
  });

  it('given two instances disagree, then the row says DISAGREE and a warning names both', () => {
    const u = new FleetView('api-1').build(0, report('api-1', 1, 'OPEN'), [report('api-2', 1, 'CLOSED')], rest);
    expect(u.breakers[0]).toMatchObject({ fleetState: 'DISAGREE', agree: false });
    expect(u.warnings).toEqual(['instances disagree on provider-a: api-1 OPEN, api-2 CLOSED']);
  });

  it('given an instance stops reporting, then after STALE_AFTER_MS it is stale and out of the fleet state', () => {
    const view = new FleetView('api-1');
    view.build(0, report('api-1', 1, 'OPEN'), [report('api-2', 7, 'CLOSED')], rest);
    const later = view.build(STALE_AFTER_MS, report('api-1', 2, 'OPEN'), [report('api-2', 7, 'CLOSED')], rest);
    expect(later.instances.map((i) => [i.instanceId, i.stale])).toEqual([['api-1', false], ['api-2', true]]);
    expect(later.breakers[0]).toMatchObject({ fleetState: 'OPEN', agree: true });
    expect(later.warnings).toContain('api-2 has not reported for 3 s or more: down, or cut off from Redis');
  });

  it('given an instance comes back with another pid, then one restart is counted', () => {
    const view = new FleetView('api-1');
    view.build(0, report('api-1', 1, 'CLOSED'), [report('api-2', 50, 'CLOSED')], rest);
    const u = view.build(1000, report('api-1', 2, 'CLOSED'), [report('api-2', 1, 'CLOSED', { pid: 200 })], rest);
    expect(u.instances.find((i) => i.instanceId === 'api-2')).toMatchObject({ restarts: 1, pid: 200 });
  });

  it('given an instance in local mode, then a warning says so', () => {
    const u = new FleetView('api-1').build(0, report('api-1', 1, 'CLOSED', { mode: 'local' }), [], rest);
    expect(u.warnings).toEqual(['api-1 is in local mode: Redis does not answer it, its breakers decide alone']);
  });

  it('given only some breakers of an instance are local (one Cluster shard down), then the warning names them and not all of Redis', () => {
    const breakers: InstanceReport['breakers'] = [
      { name: 'fraud', state: 'CLOSED', failureRate: 0, slowCallRate: 0, calls: 5, version: 1, mode: 'local' },
      { name: 'provider-a', state: 'CLOSED', failureRate: 0, slowCallRate: 0, calls: 5, version: 1, mode: 'fleet' },
      { name: 'provider-b', state: 'CLOSED', failureRate: 0, slowCallRate: 0, calls: 5, version: 1, mode: 'local' },
    ];
    const u = new FleetView('api-1').build(0, report('api-1', 1, 'CLOSED', { mode: 'local', breakers }), [], rest);
    expect(u.warnings).toEqual(['api-1 has breakers in local mode: fraud, provider-b (the Redis shard holding their keys does not answer it); its other breakers still coordinate']);
  });
});
