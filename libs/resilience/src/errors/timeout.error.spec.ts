import { ResilienceError } from './resilience-error';
import { isTimeoutError, TIMEOUT, TimeoutError } from './timeout.error';

describe('TimeoutError', () => {
  it('carries a stable code, the downstream, its budget and which limit ran out', () => {
    const error = new TimeoutError('ledger', 250, 'timeout');

    expect(error).toBeInstanceOf(ResilienceError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: TIMEOUT, name: 'TimeoutError', downstream: 'ledger', budgetMs: 250, limit: 'timeout' });
    expect(TIMEOUT).toBe('TIMEOUT');
  });

  it('says how long the call was given, rounded, and which limit it was', () => {
    expect(new TimeoutError('ledger', 249.6, 'timeout').message).toBe('ledger did not answer within 250 ms (timeout)');
    expect(new TimeoutError('ledger', 120, 'deadline').message).toBe('ledger did not answer within 120 ms (deadline)');
  });

  it('says the call was never started when the deadline had already passed', () => {
    const notStarted = new TimeoutError('ledger', 0, 'deadline', false);
    expect(notStarted.message).toBe("ledger: the request's deadline had passed; the call was not started");
    expect(notStarted.started).toBe(false);
    expect(new TimeoutError('ledger', 0, 'deadline').started).toBe(true);
  });

  it('is recognised by instance, or by code alone once it has crossed a process boundary', () => {
    const error = new TimeoutError('ledger', 250, 'timeout');
    const revived: unknown = JSON.parse(JSON.stringify({ code: error.code, message: error.message }));

    expect(isTimeoutError(error)).toBe(true);
    expect(isTimeoutError(revived)).toBe(true);
    expect(isTimeoutError(new Error('ledger did not answer'))).toBe(false);
    expect(isTimeoutError({ code: 'BREAKER_OPEN' })).toBe(false);
    expect(isTimeoutError(null)).toBe(false);
    expect(isTimeoutError('TIMEOUT')).toBe(false);
  });
});
