import type { BreakerMode, Clock } from '@breakwater/resilience';
import type { BreakerScripts } from './breaker-scripts';
import type { BrokenFleetBreakerError } from './broken-breaker.error';

/** What a fleet breaker needs from the fleet it belongs to. */
export interface FleetContext {
  readonly scripts: BreakerScripts;
  readonly clock: Clock;
  readonly mode: BreakerMode;
  /** Unique per process start: permit ids and batch sequences (counted per session) never collide across restarts. */
  readonly sessionId: string;
  /**
   * Runs a Redis command with the fleet's time limit. A timeout or a connection failure switches
   * the fleet to local mode; an error on one breaker's data (isBreakerDataFault) is that
   * breaker's to handle.
   */
  command<T>(send: () => Promise<T>): Promise<T>;
  /** A breaker found its data in Redis unusable and decides locally: the fleet announces it. */
  broken(error: BrokenFleetBreakerError): void;
  /** Asks for this breaker's outcomes to be flushed now rather than at the next tick. */
  flushSoon(flush: () => Promise<void>): void;
}
