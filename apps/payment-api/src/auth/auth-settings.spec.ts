import { loadAppConfig } from '../config/app-config';
import { SecretTooShortError } from './auth-settings';
import { TokenDigest } from './token-digest';

const TOKEN = 'a'.repeat(32);

describe('auth settings', () => {
  it('defaults: no tokens, OPERATOR_AUTH=token, 10 failures per minute, no trusted proxy', () => {
    const { auth } = loadAppConfig({});
    expect(auth).toMatchObject({ adminToken: undefined, metricsToken: undefined, operatorAuth: 'token', failures: { maxFailures: 10, windowMs: 60_000 } });
    expect(auth.trustedProxies.empty).toBe(true);
  });

  it.each(['ADMIN_TOKEN', 'METRICS_TOKEN'])('%s under 32 characters stops start-up with CONFIG_SECRET_TOO_SHORT naming it, without the secret', (name) => {
    let thrown: unknown;
    try {
      loadAppConfig({ [name]: 'x'.repeat(31) });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SecretTooShortError);
    expect(thrown).toMatchObject({ code: 'CONFIG_SECRET_TOO_SHORT', setting: name, length: 31 });
    expect((thrown as Error).message).not.toContain('x'.repeat(31));
    expect(loadAppConfig({ [name]: TOKEN }).auth).toMatchObject(name === 'ADMIN_TOKEN' ? { adminToken: TOKEN } : { metricsToken: TOKEN });
  });

  it('refuses an unknown OPERATOR_AUTH and a malformed TRUSTED_PROXIES, naming them', () => {
    expect(() => loadAppConfig({ OPERATOR_AUTH: 'maybe' })).toThrow(/OPERATOR_AUTH must be one of token, off/);
    expect(() => loadAppConfig({ TRUSTED_PROXIES: '127.0.0.1, nginx' })).toThrow(/TRUSTED_PROXIES/);
    expect(loadAppConfig({ OPERATOR_AUTH: 'OFF', TRUSTED_PROXIES: '127.0.0.1, 172.16.0.0/12' }).auth.operatorAuth).toBe('off');
  });
});

describe('TokenDigest', () => {
  it('matches the secret only, whatever the length of the guess', () => {
    const digest = new TokenDigest(TOKEN);
    expect(digest.matches(TOKEN)).toBe(true);
    for (const guess of ['', 'a', TOKEN.slice(0, 31), `${TOKEN}a`, 'b'.repeat(32), 'a'.repeat(10_000)]) expect(digest.matches(guess)).toBe(false);
  });
});
