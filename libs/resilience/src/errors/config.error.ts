import { ResilienceError } from './resilience-error';

export const INVALID_CONFIG = 'INVALID_CONFIG';

/** A configuration value is out of range; the message names the setting, the value and the rule. */
export class InvalidConfigError extends ResilienceError {
  readonly code = INVALID_CONFIG;

  constructor(
    readonly subject: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid configuration for ${subject}: ${problems.join('; ')}`);
  }
}
