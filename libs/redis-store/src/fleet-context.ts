import type { BreakerMode, Clock } from '@breakwater/resilience';
import type { BreakerScripts } from './breaker-scripts';
import type { BrokenFleetBreakerError } from './broken-breaker.error';

/**
 * Who goes to local mode when a command fails because Redis did not answer: every breaker of the
 * process (`fleet`: one server or a Sentinel master, where one failure says the only server is
 * away), or the breaker whose command failed (`breaker`: on a Cluster each breaker's keys live on
 * one shard, and one shard down says nothing of the others).
 */
export type LocalModeScope = 'fleet' | 'breaker';

/** What a fleet breaker needs from the fleet it belongs to. */
export interface FleetContext {
  readonly scripts: BreakerScripts;
  readonly clock: Clock;
  /** `local` while the connection as a whole is lost (or, in `fleet` scope, Redis did not answer). */
  readonly mode: BreakerMode;
  readonly localModeScope: LocalModeScope;
  /** Unique per process start: permit ids and batch sequences (counted per session) never collide across restarts. */
  readonly sessionId: string;
  /**
   * Runs a Redis command with the fleet's time limit. In `fleet` scope a timeout or a connection
   * failure switches the fleet to local mode; in `breaker` scope the breaker whose command failed
   * switches itself (FleetBreaker.reportFailure). An error on one breaker's data
   * (isBreakerDataFault) is always that breaker's to handle.
   */
  command<T>(send: () => Promise<T>): Promise<T>;
  /** A breaker found its data in Redis unusable and decides locally: the fleet announces it. */
  broken(error: BrokenFleetBreakerError): void;
  /** Asks for this breaker's outcomes to be flushed now rather than at the next tick. */
  flushSoon(flush: () => Promise<void>): void;
}
