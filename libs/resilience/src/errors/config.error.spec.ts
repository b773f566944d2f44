import { INVALID_CONFIG, InvalidConfigError } from './config.error';
import { ResilienceError } from './resilience-error';

describe('InvalidConfigError', () => {
  it('names the subject and lists every problem in its message', () => {
    const error = new InvalidConfigError('bulkhead reports', ['maxConcurrent must be a whole number of at least 1 (got 0)', 'maxQueue must be a whole number of at least 0 (got -1)']);

    expect(error).toBeInstanceOf(ResilienceError);
    expect(error).toMatchObject({ code: INVALID_CONFIG, name: 'InvalidConfigError', subject: 'bulkhead reports' });
    expect(error.problems).toHaveLength(2);
    expect(error.message).toBe(
      'invalid configuration for bulkhead reports: maxConcurrent must be a whole number of at least 1 (got 0); maxQueue must be a whole number of at least 0 (got -1)',
    );
  });
});
