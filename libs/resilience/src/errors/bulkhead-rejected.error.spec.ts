import { BULKHEAD_REJECTED, BulkheadRejectedError, isBulkheadRejectedError } from './bulkhead-rejected.error';
import { ResilienceError } from './resilience-error';

describe('BulkheadRejectedError', () => {
  it('carries a stable code, the bulkhead, why it refused and its limit at that moment', () => {
    const error = new BulkheadRejectedError('reports', 'queue-timeout', 4);

    expect(error).toBeInstanceOf(ResilienceError);
    expect(error).toMatchObject({ code: BULKHEAD_REJECTED, name: 'BulkheadRejectedError', bulkhead: 'reports', reason: 'queue-timeout', limit: 4 });
    expect(error.message).toBe('bulkhead reports rejected the call (queue-timeout, limit 4)');
    expect(BULKHEAD_REJECTED).toBe('BULKHEAD_REJECTED');
  });

  it('is recognised by instance, or by code alone', () => {
    expect(isBulkheadRejectedError(new BulkheadRejectedError('reports', 'full', 2))).toBe(true);
    expect(isBulkheadRejectedError({ code: 'BULKHEAD_REJECTED' })).toBe(true);
    expect(isBulkheadRejectedError({ code: 'TIMEOUT' })).toBe(false);
    expect(isBulkheadRejectedError(new Error('full'))).toBe(false);
    expect(isBulkheadRejectedError(undefined)).toBe(false);
  });
});
