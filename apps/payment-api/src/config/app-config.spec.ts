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
});

describe('LOG_LEVEL', () => {
  it('is info unless set; any case; a bad value stops start-up naming it', () => {
    expect(loadAppConfig({}).logLevel).toBe('info');
    expect(loadAppConfig({ LOG_LEVEL: 'SILENT' }).logLevel).toBe('silent');
    expect(() => loadAppConfig({ LOG_LEVEL: 'chatty' })).toThrow(/LOG_LEVEL must be one of info, warn, error, silent/);
  });
});
