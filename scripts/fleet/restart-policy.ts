// When a part that exited on its own is started again: after a delay that starts at
// RESTART_FIRST_DELAY_MS and doubles up to RESTART_MAX_DELAY_MS, back to the first delay once the
// part stayed up for RESTART_STABLE_AFTER_MS (compose's `restart:` policy works the same way).
import { UsageError } from './fleet-options';

export const RESTART_FIRST_DELAY_MS = 500;
export const RESTART_MAX_DELAY_MS = 10_000;
export const RESTART_STABLE_AFTER_MS = 10_000;
/** Moves the first delay (tests use a longer one to act during a wait). */
export const RESTART_DELAY_ENV = 'FLEET_RESTART_DELAY_MS';

export interface RestartPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  /** A part up at least this long counts as healthy: its next restart waits the first delay again. */
  stableAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  firstDelayMs: RESTART_FIRST_DELAY_MS,
  maxDelayMs: RESTART_MAX_DELAY_MS,
  stableAfterMs: RESTART_STABLE_AFTER_MS,
};

/** The default policy, with the first delay from $FLEET_RESTART_DELAY_MS (1 to the maximum) when set. */
export function restartPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): RestartPolicy {
  const raw = env[RESTART_DELAY_ENV];
  if (raw === undefined || raw === '') return DEFAULT_RESTART_POLICY;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > RESTART_MAX_DELAY_MS) {
    throw new UsageError(`${RESTART_DELAY_ENV} must be a whole number of milliseconds from 1 to ${RESTART_MAX_DELAY_MS} (got ${JSON.stringify(raw)})`);
  }
  return { ...DEFAULT_RESTART_POLICY, firstDelayMs: value };
}

/** The delays of one part's restarts. */
export class RestartBackoff {
  private nextDelayMs: number;

  constructor(private readonly policy: RestartPolicy) {
    this.nextDelayMs = policy.firstDelayMs;
  }

  /** The wait before the next restart of a part that was up for `uptimeMs` (0: it never came up). */
  delayAfter(uptimeMs: number): number {
    if (uptimeMs >= this.policy.stableAfterMs) this.nextDelayMs = this.policy.firstDelayMs;
    const delay = this.nextDelayMs;
    this.nextDelayMs = Math.min(delay * 2, this.policy.maxDelayMs);
    return delay;
  }
}
