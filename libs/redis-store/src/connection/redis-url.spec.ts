import { InvalidRedisUrlError, REDIS_URL_INVALID } from './redis-url.error';
import { maskRedisUrl, parseRedisUrl } from './redis-url';

function problemOf(url: string): string {
  try {
    parseRedisUrl(url);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRedisUrlError);
    expect((error as InvalidRedisUrlError).code).toBe(REDIS_URL_INVALID);
    return (error as InvalidRedisUrlError).problem;
  }
  throw new Error(`${url} was accepted`);
}

describe('parseRedisUrl: the REDIS_URL forms', () => {
  it('reads one server, with and without TLS, credentials and a database', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6380')).toEqual({ kind: 'single', address: { host: '127.0.0.1', port: 6380 }, db: 0, tls: false });
    expect(parseRedisUrl('rediss://bw:p%40ss@redis.example:6390/2')).toEqual({
      kind: 'single',
      address: { host: 'redis.example', port: 6390 },
      db: 2,
      tls: true,
      username: 'bw',
      password: 'p@ss',
    });
    expect(parseRedisUrl('redis://:secret@localhost')).toEqual({ kind: 'single', address: { host: 'localhost', port: 6379 }, db: 0, tls: false, password: 'secret' });
    expect(parseRedisUrl('redis://[::1]:7000')).toMatchObject({ address: { host: '::1', port: 7000 } });
  });

  it('reads a Cluster as its seed nodes', () => {
    expect(parseRedisUrl('redis-cluster://u:p@10.0.0.1:7000,10.0.0.2:7001,10.0.0.3')).toEqual({
      kind: 'cluster',
      seeds: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '10.0.0.3', port: 6379 },
      ],
      tls: false,
      username: 'u',
      password: 'p',
    });
    expect(parseRedisUrl('rediss-cluster://h:7000')).toMatchObject({ kind: 'cluster', tls: true });
  });

  it('reads Sentinel: sentinels, the master name after #, a database, separate sentinel credentials', () => {
    expect(parseRedisUrl('redis-sentinel://:data-pw@s1:26380,s2#pay-master')).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26380 },
        { host: 's2', port: 26379 },
      ],
      masterName: 'pay-master',
      db: 0,
      tls: false,
      password: 'data-pw',
    });
    expect(parseRedisUrl('rediss-sentinel://s1:26379/3?sentinelUsername=sen&sentinelPassword=s%26cret#m')).toMatchObject({
      kind: 'sentinel',
      db: 3,
      tls: true,
      sentinelUsername: 'sen',
      sentinelPassword: 's&cret',
    });
  });

  it.each([
    ['', 'empty'],
    ['127.0.0.1:6379', 'not scheme://host:port'],
    ['http://127.0.0.1:6379', 'unknown scheme'],
    ['redis://a:6379,b:6379', 'names one server'],
    ['redis://127.0.0.1:0', 'not 1 to 65535'],
    ['redis://127.0.0.1:70000', 'not 1 to 65535'],
    ['redis://127.0.0.1:', 'not 1 to 65535'],
    ['redis://127.0.0.1/x', 'database number'],
    ['redis://secret@127.0.0.1', 'user:password@'],
    ['redis://127.0.0.1?family=6', 'unknown parameter "family"'],
    ['redis://127.0.0.1#m', 'only a Sentinel URL names a master'],
    ['redis-cluster://a:1,,b:2', 'not host or host:port'],
    ['redis-cluster://a:1/2', 'database 0 only'],
    ['redis-sentinel://s1:26379,s2:26379', 'names its master after #'],
    ['redis-sentinel://s1:26379#', 'names its master after #'],
    ['redis://u:%E0%A4%A@h', 'broken %-escape'],
  ])('refuses %j with a message (%s)', (url, problem) => {
    expect(problemOf(url)).toContain(problem);
  });

  it('never puts a password in its message', () => {
    let message = '';
    try {
      parseRedisUrl('redis-sentinel://u:topsecret@s1,s2?sentinelPassword=alsosecret');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('names its master');
    expect(message).not.toContain('topsecret');
    expect(message).not.toContain('alsosecret');
    expect(maskRedisUrl('redis://bw:pw@h:1')).toBe('redis://bw:***@h:1');
    expect(maskRedisUrl('redis://s3cret@h:1')).toBe('redis://***@h:1');
  });
});
