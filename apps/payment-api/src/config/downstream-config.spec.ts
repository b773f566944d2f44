import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidConfigError } from '@breakwater/resilience';
import { loadDownstreamSettings } from './downstream-config';

function settingsFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'downstreams-')), 'downstreams.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

const DEFAULTS = { timeoutMs: 2000, maxConcurrent: 10, maxQueue: 5, queueTimeoutMs: 100, retry: { maxAttempts: 3, baseMs: 50, capMs: 500, jitter: 'full' }, breaker: { minimumCalls: 20 } };

describe('downstream settings', () => {
  it('merges the defaults under each downstream and keeps what the downstream sets', () => {
    const file = settingsFile({ defaults: DEFAULTS, downstreams: { fraud: { timeoutMs: 300, breaker: { minimumCalls: 5 } } } });
    const settings = loadDownstreamSettings({ DOWNSTREAMS_CONFIG: file });

    expect(settings.fraud).toMatchObject({ timeoutMs: 300, maxConcurrent: 10, breaker: { minimumCalls: 5 } });
    expect(settings['provider-a']).toMatchObject({ timeoutMs: 2000, retry: { maxAttempts: 3 }, breaker: { minimumCalls: 20 } });
  });

  it('lets the environment set any setting, including breaker settings the file leaves out, as numbers', () => {
    const file = settingsFile({ defaults: DEFAULTS, downstreams: {} });
    const settings = loadDownstreamSettings({
      DOWNSTREAMS_CONFIG: file,
      DOWNSTREAM_PROVIDER_A_TIMEOUT_MS: '800',
      DOWNSTREAM_PROVIDER_A_BREAKER_OPEN_BASE_MS: '60000',
      DOWNSTREAM_NOTIFY_EMAIL_RETRY_JITTER: 'decorrelated',
    });

    expect(settings['provider-a'].timeoutMs).toBe(800);
    expect(settings['provider-a'].breaker.openBaseMs).toBe(60000);
    expect(settings['provider-b'].breaker.openBaseMs).toBeUndefined();
    expect(settings['notify-email'].retry.jitter).toBe('decorrelated');
  });

  it('refuses an unknown downstream and a setting that is not a number, naming both', () => {
    const file = settingsFile({ defaults: DEFAULTS, downstreams: { 'provider-z': {} } });
    let error: unknown;
    try {
      loadDownstreamSettings({ DOWNSTREAMS_CONFIG: file, DOWNSTREAM_FRAUD_TIMEOUT_MS: 'soon' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).problems).toEqual(expect.arrayContaining(['unknown downstream provider-z', 'fraud.timeoutMs must be a number (got NaN)']));
  });
});
