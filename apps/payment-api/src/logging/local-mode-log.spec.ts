import { PassThrough } from 'node:stream';
import { EventEmitter, type BreakerMode, type ModeChange } from '@breakwater/resilience';
import { BrokenFleetBreakerError, type LocalModeScope } from '@breakwater/redis-store';
import { logLocalMode, type ObservedModes } from './local-mode-log';
import { OperatorLog } from './operator-log';

/**
 * The mode events as FleetBreakers emits them: a breaker's own first, then the fleet's when its
 * `mode` changes (the real thing over a Cluster with a shard killed is in
 * test/fleet-cluster-shard-down.test.ts; this covers the lines that follow the first).
 */
class Modes implements ObservedModes {
  readonly fleetChanges = new EventEmitter<ModeChange>();
  readonly onModeChange = this.fleetChanges.event;
  private readonly breakers = new Map<string, EventEmitter<ModeChange>>();
  private readonly local = new Set<string>();

  constructor(
    readonly localModeScope: LocalModeScope,
    names: readonly string[],
  ) {
    for (const n of names) this.breakers.set(n, new EventEmitter<ModeChange>());
  }

  get mode(): BreakerMode {
    return this.local.size > 0 ? 'local' : 'fleet';
  }

  list(): { name: string; onModeChange: EventEmitter<ModeChange>['event'] }[] {
    return [...this.breakers].map(([name, e]) => ({ name, onModeChange: e.event }));
  }

  localBreakers(): string[] {
    return [...this.local];
  }

  /** As FleetBreakers.enterLocalMode: the fleet announces, then each breaker switches. */
  loseConnection(): void {
    const cause = new Error('the coordination connection closed');
    this.fleetChanges.emit({ breaker: '*', mode: 'local', cause });
    for (const [name, e] of this.breakers) {
      this.local.add(name);
      e.emit({ breaker: name, mode: 'local', cause });
    }
  }

  switch(name: string, mode: BreakerMode, cause: unknown = new Error('Command timed out')): void {
    const before = this.mode;
    if (mode === 'local') this.local.add(name);
    else this.local.delete(name);
    const change: ModeChange = mode === 'local' ? { breaker: name, mode, cause } : { breaker: name, mode };
    if (this.mode !== before) this.fleetChanges.emit({ ...change, breaker: '*' });
    this.breakers.get(name)?.emit(change);
  }
}

function logged(): { log: OperatorLog; lines: () => string[] } {
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { log: new OperatorLog('info', {}, sink), lines: () => text.split('\n').filter((l) => l !== '').map((l) => l.replace(/^\S+ /, '')) };
}

describe('the local mode log lines', () => {
  it('on a Cluster names the breakers that go local and those that still coordinate, as each goes and comes back', () => {
    const { log, lines } = logged();
    const fleet = new Modes('breaker', ['psp-a', 'psp-b', 'psp-c']);
    logLocalMode(log, fleet);

    fleet.switch('psp-a', 'local');
    fleet.switch('psp-b', 'local');
    fleet.switch('psp-a', 'fleet');
    fleet.switch('psp-b', 'fleet');

    expect(lines()).toEqual([
      'WARN local-mode: entering local mode for psp-a only: the Redis Cluster shard holding its keys does not answer; it decides on this instance alone, the other breakers still coordinate through Redis local=psp-a coordinating=psp-b,psp-c cause="Command timed out"',
      'WARN local-mode: psp-b goes local too: the Redis Cluster shard holding its keys does not answer local=psp-a,psp-b coordinating=psp-c cause="Command timed out"',
      'INFO local-mode: psp-a leaves local mode: its shard answers again; it follows the fleet state local=psp-b coordinating=psp-a,psp-c',
      'INFO local-mode: leaving local mode: Redis answers again; the breakers follow the fleet state',
    ]);
  });

  it('says a breaker whose data is broken went local for that, not for its shard', () => {
    const { log, lines } = logged();
    const fleet = new Modes('breaker', ['psp-a', 'psp-b', 'psp-c']);
    logLocalMode(log, fleet);
    fleet.switch('psp-a', 'local');
    fleet.switch('psp-b', 'local', new BrokenFleetBreakerError('psp-b', new Error('WRONGTYPE')));
    expect(lines()[1]).toMatch(/^WARN local-mode: psp-b goes local too: its data in Redis is broken local=psp-a,psp-b coordinating=psp-c cause="breaker psp-b cannot use its data in Redis/);
  });

  it('says Redis does not answer, once, when a Cluster connection as a whole is lost (the fleet switches before its breakers)', () => {
    const { log, lines } = logged();
    const fleet = new Modes('breaker', ['psp-a', 'psp-b']);
    logLocalMode(log, fleet);
    fleet.loseConnection();
    expect(lines()).toEqual(['WARN local-mode: entering local mode: Redis does not answer; each breaker decides on this instance alone, from the last fleet state cause="the coordination connection closed"']);
  });

  it('says Redis does not answer when every breaker goes local at once, and on one server', () => {
    for (const scope of ['breaker', 'fleet'] as const) {
      const { log, lines } = logged();
      const fleet = new Modes(scope, ['psp-a']);
      logLocalMode(log, fleet);
      fleet.switch('psp-a', 'local');
      expect(lines()).toEqual(['WARN local-mode: entering local mode: Redis does not answer; each breaker decides on this instance alone, from the last fleet state cause="Command timed out"']);
    }
  });
});
