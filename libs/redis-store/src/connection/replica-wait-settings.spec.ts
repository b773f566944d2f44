import { InvalidConfigError } from '@breakwater/resilience';
import { DEFAULT_REDIS_WAIT_TIMEOUT_MS, readReplicaWaitSettings } from './replica-wait-settings';

describe('readReplicaWaitSettings', () => {
  it('is off with no setting, with the default timeout', () => {
    expect(readReplicaWaitSettings({})).toEqual({ replicas: 0, timeoutMs: DEFAULT_REDIS_WAIT_TIMEOUT_MS });
  });

  it('reads REDIS_WAIT_REPLICAS and REDIS_WAIT_TIMEOUT_MS', () => {
    expect(readReplicaWaitSettings({ REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '100' })).toEqual({ replicas: 1, timeoutMs: 100 });
  });

  it.each([
    [{ REDIS_WAIT_REPLICAS: '-1' }, 'REDIS_WAIT_REPLICAS'],
    [{ REDIS_WAIT_REPLICAS: 'one' }, 'REDIS_WAIT_REPLICAS'],
    [{ REDIS_WAIT_TIMEOUT_MS: '0' }, 'REDIS_WAIT_TIMEOUT_MS'],
    // At or past the data connection's 1 s command timeout the WAIT would be cut off first.
    [{ REDIS_WAIT_TIMEOUT_MS: '1000' }, 'REDIS_WAIT_TIMEOUT_MS'],
  ])('refuses %j, naming the setting', (env, name) => {
    expect(() => readReplicaWaitSettings(env)).toThrow(InvalidConfigError);
    expect(() => readReplicaWaitSettings(env)).toThrow(name);
  });
});
