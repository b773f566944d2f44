/** The options BreakwaterModule was given (forRoot) or made (forRootAsync). */
export const BREAKWATER_OPTIONS = Symbol('BREAKWATER_OPTIONS');
/** The admin controller's settings (BreakwaterAdminSettings). */
export const BREAKWATER_ADMIN = Symbol('BREAKWATER_ADMIN');

/** The injection token of a downstream's fleet breaker: what @InjectBreaker(name) injects. */
export const breakerToken = (downstream: string): string => `breakwater:breaker:${downstream}`;
/** The injection token of a downstream's policy chain: what @InjectPolicy(name) injects. */
export const policyToken = (downstream: string): string => `breakwater:policy:${downstream}`;
