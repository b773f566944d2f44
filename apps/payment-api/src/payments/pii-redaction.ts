/** What stands in for a notification target once it leaves the gateway. */
export const REDACTED = '[redacted]';

/**
 * An audit entry's data as it leaves the gateway (the export file, GET /payments/:id/audit): the
 * notification targets (email addresses, phone numbers, device tokens) are replaced by REDACTED,
 * keeping which channels were asked for. The record keeps them, for the notifications only, and
 * only for PAYMENT_RETENTION_DAYS after the payment is settled. Card tokens are never recorded.
 */
export function redactAuditData(data: Record<string, string>): Record<string, string> {
  if (data.notify === undefined) return data;
  return { ...data, notify: JSON.stringify(redactedTargets(data.notify)) };
}

function redactedTargets(json: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  return Object.fromEntries(Object.keys(parsed).map((channel) => [channel, REDACTED]));
}
