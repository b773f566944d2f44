import type { CanActivate, Type } from '@nestjs/common';
import type { BreakerAdminAudit } from './breaker-admin-audit';

/**
 * The opt-in admin controller (`admin` in BreakwaterModule.forRoot / forRootAsync): GET /breakers,
 * POST /breakers/:name/force-open, /disable, /reset. Given statically, beside the options:
 * Nest must know the controller and its guard before any factory runs.
 */
export interface BreakwaterAdminSettings {
  /**
   * A guard of your application (a provider of any module) that replaces the bearer-token check
   * of the admin actions: your own credentials, with your own limits. Default: `adminToken`.
   */
  guard?: Type<CanActivate>;
  /** A provider of yours told of every admin action (who, what, how it ended). Default: a Nest log line. */
  audit?: Type<BreakerAdminAudit>;
  /** GET /breakers needs the admin credentials too (default true); false leaves it to your own guards. */
  protectList?: boolean;
}
