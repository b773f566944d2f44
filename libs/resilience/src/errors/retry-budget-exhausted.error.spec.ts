import { ResilienceError } from './resilience-error';
import { isRetryBudgetExhaustedError, RETRY_BUDGET_EXHAUSTED, RetryBudgetExhaustedError } from './retry-budget-exhausted.error';

describe('RetryBudgetExhaustedError', () => {
  it('carries a stable code, the policy, the attempts made, and the last call’s error as its cause', () => {
    const last = new Error('503 from inventory');
    const error = new RetryBudgetExhaustedError('inventory', 2, last);

    expect(error).toBeInstanceOf(ResilienceError);
    expect(error).toMatchObject({ code: RETRY_BUDGET_EXHAUSTED, name: 'RetryBudgetExhaustedError', policy: 'inventory', attempts: 2 });
    expect(error.cause).toBe(last);
    expect(error.message).toBe('inventory: retry budget exhausted after 2 attempt(s)');
  });

  it('is recognised by instance, or by code alone', () => {
    expect(isRetryBudgetExhaustedError(new RetryBudgetExhaustedError('inventory', 1, undefined))).toBe(true);
    expect(isRetryBudgetExhaustedError({ code: 'RETRY_BUDGET_EXHAUSTED' })).toBe(true);
    expect(isRetryBudgetExhaustedError({ code: 'BREAKER_OPEN' })).toBe(false);
    expect(isRetryBudgetExhaustedError(42)).toBe(false);
  });
});
