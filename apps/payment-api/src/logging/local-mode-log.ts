import type { BreakerMode, Disposable, Event, ModeChange } from '@breakwater/resilience';
import { BrokenFleetBreakerError, type LocalModeScope } from '@breakwater/redis-store';
import type { OperatorLog } from './operator-log';

/** The fleet breakers' modes, as a whole and per breaker (FleetBreakers fits). */
export interface ObservedModes {
  readonly mode: BreakerMode;
  readonly localModeScope: LocalModeScope;
  readonly onModeChange: Event<ModeChange>;
  list(): readonly { readonly name: string; readonly onModeChange: Event<ModeChange> }[];
  localBreakers(): readonly string[];
}

/**
 * One line when the instance starts deciding alone and one when it stops. On a Cluster (`breaker`
 * scope) one shard down sends only the breakers whose keys it holds local: the line names them and
 * the breakers that still coordinate, and says so again as others go local or come back, so the
 * operator does not read "Redis does not answer" and look at a Redis that mostly does.
 */
export function logLocalMode(log: OperatorLog, fleet: ObservedModes): Disposable {
  /** The breakers a line has named local and none has named back since. */
  const named = new Set<string>();
  const split = (): { local: string[]; coordinating: string[] } => {
    const local = fleet.localBreakers();
    return { local: [...local], coordinating: fleet.list().map((b) => b.name).filter((n) => !local.includes(n)) };
  };
  const partial = (coordinating: readonly string[]): boolean => fleet.localModeScope === 'breaker' && coordinating.length > 0;

  const enter = (when: 'starting' | 'entering', cause: unknown): void => {
    const { local, coordinating } = split();
    // None local yet: the connection as a whole was lost, the fleet says so before its breakers switch.
    const whole = local.length === 0 || !partial(coordinating);
    (whole ? fleet.list().map((b) => b.name) : local).forEach((n) => named.add(n));
    if (whole) {
      const message =
        when === 'starting'
          ? 'starting in local mode: Redis did not answer in time; each breaker decides on this instance alone until it does'
          : 'entering local mode: Redis does not answer; each breaker decides on this instance alone, from the last fleet state';
      log.warn('local-mode', message, { cause });
      return;
    }
    log.warn('local-mode', `${when} local mode for ${local.join(', ')} only: the Redis Cluster shard holding ${local.length === 1 ? 'its keys does' : 'their keys do'} not answer; ${local.length === 1 ? 'it decides' : 'they decide'} on this instance alone, the other breakers still coordinate through Redis`, {
      local: local.join(','),
      coordinating: coordinating.join(','),
      cause,
    });
  };

  // A breaker going local or coming back while the fleet as a whole stays local: the fleet's own
  // event (emitted first, FleetBreakers listens to its breakers before this does) says nothing.
  const onBreakerMode = (m: ModeChange): void => {
    if (fleet.mode !== 'local') return;
    const { local, coordinating } = split();
    if (m.mode === 'local' && !named.has(m.breaker)) {
      named.add(m.breaker);
      const why = m.cause instanceof BrokenFleetBreakerError ? 'its data in Redis is broken' : 'the Redis Cluster shard holding its keys does not answer';
      log.warn('local-mode', `${m.breaker} goes local too: ${why}`, { local: local.join(','), coordinating: coordinating.join(','), cause: m.cause });
    } else if (m.mode === 'fleet' && named.delete(m.breaker)) {
      log.info('local-mode', `${m.breaker} leaves local mode: its shard answers again; it follows the fleet state`, { local: local.join(','), coordinating: coordinating.join(',') });
    }
  };

  if (fleet.mode === 'local') enter('starting', undefined);
  const subscriptions: Disposable[] = [
    fleet.onModeChange((m) => {
      if (m.mode === 'local') return enter('entering', m.cause);
      named.clear();
      log.info('local-mode', 'leaving local mode: Redis answers again; the breakers follow the fleet state', {});
    }),
    ...(fleet.localModeScope === 'breaker' ? fleet.list().map((b) => b.onModeChange(onBreakerMode)) : []),
  ];
  return { dispose: () => subscriptions.forEach((s) => s.dispose()) };
}
