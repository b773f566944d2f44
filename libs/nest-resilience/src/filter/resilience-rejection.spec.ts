import { BreakerOpenError, BreakerState, BulkheadRejectedError, RetryBudgetExhaustedError, TimeoutError } from '@breakwater/resilience';
import { resilienceRejection } from './resilience-rejection';

describe('resilienceRejection', () => {
  it('answers an open breaker 503 with its wait rounded up to whole seconds', () => {
    expect(resilienceRejection(new BreakerOpenError('provider-a', BreakerState.OPEN, 2_300))).toEqual({
      status: 503,
      retryAfterS: 3,
      body: { error: 'BREAKER_OPEN', message: 'provider-a is unavailable (breaker OPEN); retry later', downstream: 'provider-a', retryAfterMs: 2_300 },
    });
  });

  it('never tells a client to come back at once: a breaker with no wait left, a full bulkhead and a spent budget say 1 s', () => {
    const answers = [new BreakerOpenError('fraud', BreakerState.HALF_OPEN, 0), new BulkheadRejectedError('fraud', 'full', 10), new RetryBudgetExhaustedError('fraud', 2, new Error('503'))].map(resilienceRejection);

    expect(answers.map((a) => [a?.status, a?.retryAfterS, a?.body.error, a?.body.downstream])).toEqual([
      [503, 1, 'BREAKER_OPEN', 'fraud'],
      [503, 1, 'BULKHEAD_REJECTED', 'fraud'],
      [503, 1, 'RETRY_BUDGET_EXHAUSTED', 'fraud'],
    ]);
  });

  it('recognises the errors by their code across a process boundary, and leaves every other error alone', () => {
    expect(resilienceRejection({ code: 'BULKHEAD_REJECTED', bulkhead: 'inventory', reason: 'fleet-full', limit: 5 })?.status).toBe(503);
    expect(resilienceRejection(new TimeoutError('fraud', 300, 'timeout'))).toBeUndefined();
    expect(resilienceRejection(new Error('boom'))).toBeUndefined();
  });
});
