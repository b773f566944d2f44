/** The BreakerAdminAudit the admin controller records its actions with. */
export const BREAKWATER_ADMIN_AUDIT = Symbol('BREAKWATER_ADMIN_AUDIT');
