import { BreakerState } from '../breaker/breaker-state';
import { BREAKER_OPEN, BreakerOpenError, isBreakerOpenError } from './breaker-open.error';
import { ResilienceError } from './resilience-error';

describe('BreakerOpenError', () => {
  it('carries a stable code, the breaker, its state and a retry-after hint rounded up in the message', () => {
    const error = new BreakerOpenError('card-network', BreakerState.OPEN, 1_200.2);

    expect(error).toBeInstanceOf(ResilienceError);
    expect(error).toMatchObject({ code: BREAKER_OPEN, name: 'BreakerOpenError', breaker: 'card-network', state: BreakerState.OPEN, retryAfterMs: 1_200.2 });
    expect(error.message).toBe(`breaker card-network is ${BreakerState.OPEN}; retry after 1201 ms`);
  });

  it('is recognised by instance, or by code alone', () => {
    expect(isBreakerOpenError(new BreakerOpenError('card-network', BreakerState.OPEN, 0))).toBe(true);
    expect(isBreakerOpenError({ code: 'BREAKER_OPEN' })).toBe(true);
    expect(isBreakerOpenError({ code: 'TIMEOUT' })).toBe(false);
    expect(isBreakerOpenError(new Error('open'))).toBe(false);
  });
});
