import { InvalidConfigError, INVALID_CONFIG } from '../errors/config.error';
import { ResilienceError } from '../errors/resilience-error';
import {
  countEveryError,
  neverReachedDownstream,
  DEFAULT_BREAKER_CONFIG,
  DEFAULT_FAILURE_RATE_THRESHOLD,
  DEFAULT_HALF_OPEN_MAX_WAIT_MS,
  DEFAULT_HALF_OPEN_PERMITS,
  DEFAULT_HALF_OPEN_SUCCESS_THRESHOLD,
  DEFAULT_MINIMUM_CALLS,
  DEFAULT_OPEN_BASE_MS,
  DEFAULT_OPEN_MAX_MS,
  DEFAULT_SLOW_CALL_DURATION_MS,
  DEFAULT_WINDOW_BUCKETS,
  DEFAULT_WINDOW_MS,
  resolveBreakerConfig,
  type BreakerConfig,
} from './breaker-config';

/** Resolves the configuration and hands back the error it was refused with. */
function refusal(partial: Partial<BreakerConfig>): InvalidConfigError {
  try {
    resolveBreakerConfig('payments', partial);
  } catch (error) {
    if (error instanceof InvalidConfigError) return error;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

/** Lets a test pass values the type system would refuse, as a JSON file or an env var could. */
const untyped = (value: Record<string, unknown>): Partial<BreakerConfig> => value as Partial<BreakerConfig>;

describe('resolveBreakerConfig', () => {
  describe('given no settings', () => {
    it('resolves every default, named in one place', () => {
      const config = resolveBreakerConfig('payments');

      expect(config).toEqual(DEFAULT_BREAKER_CONFIG);
      expect(config.failureRateThreshold).toBe(DEFAULT_FAILURE_RATE_THRESHOLD);
      expect(config.minimumCalls).toBe(DEFAULT_MINIMUM_CALLS);
      expect(config.windowMs).toBe(DEFAULT_WINDOW_MS);
      expect(config.windowBuckets).toBe(DEFAULT_WINDOW_BUCKETS);
      expect(config.openBaseMs).toBe(DEFAULT_OPEN_BASE_MS);
      expect(config.openMaxMs).toBe(DEFAULT_OPEN_MAX_MS);
      expect(config.isFailure).toBe(countEveryError);
      expect(config.isIgnored).toBe(neverReachedDownstream);
    });

    it('hands back a frozen copy, so a running breaker cannot be reconfigured by accident', () => {
      const config = resolveBreakerConfig('payments');

      expect(Object.isFrozen(config)).toBe(true);
      expect(config).not.toBe(DEFAULT_BREAKER_CONFIG);
    });

    it('counts every error as a failure by default', () => {
      expect(resolveBreakerConfig('payments').isFailure(new Error('anything'))).toBe(true);
    });

    it('keeps the defaults consistent with one another', () => {
      expect(DEFAULT_HALF_OPEN_SUCCESS_THRESHOLD).toBeLessThanOrEqual(DEFAULT_HALF_OPEN_PERMITS);
      expect(DEFAULT_OPEN_MAX_MS).toBeGreaterThanOrEqual(DEFAULT_OPEN_BASE_MS);
      expect(DEFAULT_HALF_OPEN_MAX_WAIT_MS).toBeGreaterThan(DEFAULT_SLOW_CALL_DURATION_MS);
      expect(Number.isInteger(DEFAULT_WINDOW_MS / DEFAULT_WINDOW_BUCKETS)).toBe(true);
    });
  });

  describe('given some settings', () => {
    it('overrides those and keeps the defaults for the rest', () => {
      const isFailure = (error: unknown): boolean => error instanceof TypeError;
      const config = resolveBreakerConfig('payments', { minimumCalls: 5, failureRateThreshold: 1, isFailure });

      expect(config.minimumCalls).toBe(5);
      expect(config.failureRateThreshold).toBe(1);
      expect(config.isFailure).toBe(isFailure);
      expect(config.windowMs).toBe(DEFAULT_WINDOW_MS);
    });

    it('treats a setting given as undefined as not given', () => {
      expect(resolveBreakerConfig('payments', { minimumCalls: undefined }).minimumCalls).toBe(DEFAULT_MINIMUM_CALLS);
    });

    it('accepts the edges of each range', () => {
      const config = resolveBreakerConfig('payments', {
        failureRateThreshold: 1,
        slowCallRateThreshold: 0.01,
        consecutiveFailures: 0,
        openMultiplier: 1,
        openJitter: 0,
        openBaseMs: 5_000,
        openMaxMs: 5_000,
        halfOpenPermits: 1,
        halfOpenSuccessThreshold: 1,
      });

      expect(config.openMaxMs).toBe(config.openBaseMs);
      expect(config.halfOpenSuccessThreshold).toBe(config.halfOpenPermits);
    });
  });

  describe('given a bad value', () => {
    it.each<[keyof BreakerConfig, unknown]>([
      ['failureRateThreshold', 0],
      ['failureRateThreshold', 1.5],
      ['slowCallRateThreshold', -0.1],
      ['slowCallDurationMs', 0],
      ['minimumCalls', 2.5],
      ['minimumCalls', 0],
      ['windowMs', -1],
      ['windowBuckets', 0],
      ['consecutiveFailures', -1],
      ['openBaseMs', 0],
      ['openMultiplier', 0.5],
      ['openMaxMs', Number.POSITIVE_INFINITY],
      ['openJitter', 1.2],
      ['halfOpenPermits', 0],
      ['halfOpenSuccessThreshold', 0],
      ['halfOpenMaxWaitMs', Number.NaN],
      ['minReportingInstances', 0],
      ['minimumCalls', '20'],
    ])('refuses %s = %p, naming the setting and the value', (key, value) => {
      const error = refusal(untyped({ [key]: value }));

      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(new RegExp(`^${key} must `));
      expect(error.problems[0]).toContain(`(got ${typeof value === 'number' ? String(value) : JSON.stringify(value)})`);
      expect(error.message).toContain(key);
    });

    it('refuses an isFailure that is not a function', () => {
      expect(refusal(untyped({ isFailure: 'all' })).problems).toEqual(['isFailure must be a function']);
    });

    it('throws an InvalidConfigError with a stable code, naming the breaker', () => {
      const error = refusal({ minimumCalls: 0 });

      expect(error).toBeInstanceOf(InvalidConfigError);
      expect(error).toBeInstanceOf(ResilienceError);
      expect(error.code).toBe('INVALID_CONFIG');
      expect(error.code).toBe(INVALID_CONFIG);
      expect(error.name).toBe('InvalidConfigError');
      expect(error.subject).toBe('breaker payments');
      expect(error.message).toBe('invalid configuration for breaker payments: minimumCalls must be a whole number of at least 1 (got 0)');
    });
  });

  describe('given several bad values at once', () => {
    it('reports every problem in one error, so the service is fixed in one go', () => {
      const error = refusal(untyped({ failureRateThreshold: 2, windowBuckets: 0, openJitter: -1, bogus: true }));

      expect(error.problems).toHaveLength(4);
      expect(error.problems).toEqual(
        expect.arrayContaining([
          'unknown setting bogus',
          expect.stringMatching(/^failureRateThreshold must be a share greater than 0 and at most 1 \(got 2\)$/),
          expect.stringMatching(/^windowBuckets must be a whole number of at least 1 \(got 0\)$/),
          expect.stringMatching(/^openJitter must be between 0 and 1 \(got -1\)$/),
        ]),
      );
      for (const key of ['bogus', 'failureRateThreshold', 'windowBuckets', 'openJitter']) expect(error.message).toContain(key);
    });
  });

  describe('given a setting it does not know', () => {
    it('refuses it by name, as a typo would otherwise be silently ignored', () => {
      expect(refusal(untyped({ failureThreshold: 0.5 })).problems).toEqual(['unknown setting failureThreshold']);
    });

    it.each(['toString', 'constructor', 'hasOwnProperty'])('refuses %s, although every object inherits a member of that name', (key) => {
      expect(refusal(untyped({ [key]: 1 })).problems).toEqual([`unknown setting ${key}`]);
    });
  });

  describe('given values that are each fine but do not fit together', () => {
    it('refuses more successes to close than probes allowed: the breaker could never close', () => {
      expect(refusal({ halfOpenPermits: 2, halfOpenSuccessThreshold: 3 }).problems).toEqual([
        'halfOpenSuccessThreshold (3) cannot exceed halfOpenPermits (2): the breaker could never close',
      ]);
    });

    it('refuses a cap on the open interval below its first step', () => {
      expect(refusal({ openBaseMs: 2_000, openMaxMs: 1_999 }).problems).toEqual(['openMaxMs (1999) must be at least openBaseMs (2000)']);
    });

    it.each([
      [2_000, 2_000],
      [1_000, 2_000],
    ])('refuses halfOpenMaxWaitMs = %p with slowCallDurationMs = %p: a slow probe could never be judged', (halfOpenMaxWaitMs, slowCallDurationMs) => {
      const [problem] = refusal({ halfOpenMaxWaitMs, slowCallDurationMs }).problems;

      expect(problem).toMatch(/^halfOpenMaxWaitMs \(\d+\) must exceed slowCallDurationMs \(\d+\)/);
      expect(problem).toContain(`(${halfOpenMaxWaitMs})`);
    });

    it('accepts halfOpenMaxWaitMs one millisecond above slowCallDurationMs', () => {
      expect(resolveBreakerConfig('payments', { halfOpenMaxWaitMs: 2_001, slowCallDurationMs: 2_000 }).halfOpenMaxWaitMs).toBe(2_001);
    });

    it('refuses a window that does not divide into whole-millisecond buckets', () => {
      expect(refusal({ windowMs: 10_000, windowBuckets: 3 }).problems).toEqual(['windowMs (10000) must divide into windowBuckets (3) whole milliseconds']);
    });

    it('reports every mismatch at once', () => {
      const error = refusal({ halfOpenPermits: 1, halfOpenSuccessThreshold: 2, openBaseMs: 9_000, openMaxMs: 8_000, windowMs: 1_000, windowBuckets: 7 });

      expect(error.problems).toHaveLength(3);
      expect(error.message).toContain('halfOpenSuccessThreshold');
      expect(error.message).toContain('openMaxMs');
      expect(error.message).toContain('windowBuckets');
    });
  });
});
