import { InvalidConfigError } from '@breakwater/resilience';
import { loadAppConfig } from './app-config';

describe('PAYMENT_LEASE_MS', () => {
  it('defaults to twice the payment deadline', () => {
    expect(loadAppConfig({}).paymentLeaseMs).toBe(16_000);
    expect(loadAppConfig({ PAYMENT_DEADLINE_MS: '3000' }).paymentLeaseMs).toBe(6_000);
  });

  it('can be set, and a bad value stops start-up naming it', () => {
    expect(loadAppConfig({ PAYMENT_LEASE_MS: '20000' }).paymentLeaseMs).toBe(20_000);
    expect(() => loadAppConfig({ PAYMENT_LEASE_MS: 'soon' })).toThrow(/PAYMENT_LEASE_MS/);
  });

  it('under twice the payment deadline stops start-up: a live request could be recovered while it may still send', () => {
    expect(() => loadAppConfig({ PAYMENT_LEASE_MS: '10000' })).toThrow(/PAYMENT_LEASE_MS must be at least twice PAYMENT_DEADLINE_MS \(16000; got 10000\)/);
    expect(() => loadAppConfig({ PAYMENT_DEADLINE_MS: '3000', PAYMENT_LEASE_MS: '5999' })).toThrow(/PAYMENT_LEASE_MS/);
    expect(loadAppConfig({ PAYMENT_DEADLINE_MS: '3000', PAYMENT_LEASE_MS: '6000' }).paymentLeaseMs).toBe(6_000);
  });
});

describe('LOG_LEVEL', () => {
  it('is info unless set; any case; a bad value stops start-up naming it', () => {
    expect(loadAppConfig({}).logLevel).toBe('info');
    expect(loadAppConfig({ LOG_LEVEL: 'SILENT' }).logLevel).toBe('silent');
    expect(() => loadAppConfig({ LOG_LEVEL: 'chatty' })).toThrow(/LOG_LEVEL must be one of info, warn, error, silent/);
  });
});

describe('HTTP_REQUEST_TIMEOUT_MS and HTTP_CONNECTION_TIMEOUT_MS', () => {
  it('default to the payment deadline plus 2 s and 5 s', () => {
    expect(loadAppConfig({})).toMatchObject({ httpRequestTimeoutMs: 10_000, httpConnectionTimeoutMs: 13_000 });
    expect(loadAppConfig({ PAYMENT_DEADLINE_MS: '1000' })).toMatchObject({ httpRequestTimeoutMs: 3_000, httpConnectionTimeoutMs: 6_000 });
  });

  it('at or under the payment deadline stop start-up: a payment being worked on would be cut', () => {
    expect(() => loadAppConfig({ HTTP_REQUEST_TIMEOUT_MS: '8000' })).toThrow(/HTTP_REQUEST_TIMEOUT_MS must be above PAYMENT_DEADLINE_MS \(8000; got 8000\)/);
    expect(() => loadAppConfig({ HTTP_CONNECTION_TIMEOUT_MS: '0' })).toThrow(/HTTP_CONNECTION_TIMEOUT_MS/);
  });
});

describe('REDIS_WAIT_REPLICAS and REDIS_WAIT_TIMEOUT_MS', () => {
  it('are off (0 replicas, 250 ms) unless set, and read with the other settings', () => {
    expect(loadAppConfig({}).replicaWait).toEqual({ replicas: 0, timeoutMs: 250 });
    expect(loadAppConfig({ REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '100' }).replicaWait).toEqual({ replicas: 1, timeoutMs: 100 });
  });

  it('a bad value is one of the configuration errors at start-up, beside the others', () => {
    const error = rejectionOf(() => loadAppConfig({ REDIS_WAIT_REPLICAS: 'one', REDIS_WAIT_TIMEOUT_MS: '1000', LOG_LEVEL: 'chatty' }));
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect(error).toMatchObject({ subject: 'payment-api environment' });
    const problems = (error as InvalidConfigError).problems;
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^REDIS_WAIT_REPLICAS must be a whole number from 0 to 16 \(got "one"\)/), expect.stringMatching(/^REDIS_WAIT_TIMEOUT_MS must be a whole number from 1 to 999/), expect.stringMatching(/^LOG_LEVEL/)]));
  });
});

function rejectionOf(load: () => unknown): unknown {
  try {
    load();
  } catch (error) {
    return error;
  }
  throw new Error('the configuration was accepted');
}
