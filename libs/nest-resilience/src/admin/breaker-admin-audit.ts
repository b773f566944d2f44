import { Logger } from '@nestjs/common';

export type BreakerOverride = 'force-open' | 'disable' | 'reset';

/** One admin action about to run. `request` is the platform's request (Fastify's or Express'). */
export interface BreakerAdminAction {
  action: BreakerOverride;
  breaker: string;
  request: unknown;
}

/**
 * Runs an admin action and records it: `act` does it (its error, if any, must be rethrown as it
 * was), `outcome` describes its result in a few words.
 */
export interface BreakerAdminAudit {
  run<T>(action: BreakerAdminAction, act: () => Promise<T>, outcome: (value: T) => string): Promise<T>;
}

/** The default audit: one Nest log line per action, a warning when it failed. */
export class LoggedBreakerAdminAudit implements BreakerAdminAudit {
  private readonly log = new Logger('BreakwaterAdmin');

  async run<T>(a: BreakerAdminAction, act: () => Promise<T>, outcome: (value: T) => string): Promise<T> {
    try {
      const value = await act();
      this.log.log(`${a.action} ${a.breaker}: ${outcome(value)}`);
      return value;
    } catch (error) {
      this.log.warn(`${a.action} ${a.breaker} failed: ${(error as Error).message}`);
      throw error;
    }
  }
}
