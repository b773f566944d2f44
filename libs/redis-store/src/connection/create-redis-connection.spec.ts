import { ROLE_OPTIONS } from './connection-roles';
import { clusterOptions, sentinelOptions, singleOptions } from './create-redis-connection';
import { parseRedisUrl } from './redis-url';

function target<K extends 'single' | 'cluster' | 'sentinel'>(url: string, kind: K): Extract<ReturnType<typeof parseRedisUrl>, { kind: K }> {
  const parsed = parseRedisUrl(url);
  if (parsed.kind !== kind) throw new Error(`${url} is not ${kind}`);
  return parsed as Extract<ReturnType<typeof parseRedisUrl>, { kind: K }>;
}

describe('connection options per URL form and role', () => {
  it('one server: address, database, credentials and TLS over the role settings', () => {
    const options = singleOptions(target('rediss://u:p@h.example:6390/1', 'single'), { ...ROLE_OPTIONS.data });
    expect(options).toMatchObject({ host: 'h.example', port: 6390, db: 1, username: 'u', password: 'p', tls: { servername: 'h.example' }, enableOfflineQueue: false, commandTimeout: 1_000 });
  });

  it('Sentinel: the failover detector on, the servers password for the sentinels unless one of their own is given', () => {
    const shared = sentinelOptions(target('redis-sentinel://:pw@s1:26380,s2#m', 'sentinel'), { ...ROLE_OPTIONS.coordination });
    expect(shared).toMatchObject({ sentinels: [{ host: 's1', port: 26380 }, { host: 's2', port: 26379 }], name: 'm', password: 'pw', sentinelPassword: 'pw', failoverDetector: true, commandTimeout: 250 });
    const own = sentinelOptions(target('rediss-sentinel://:pw@s1?sentinelPassword=spw#m', 'sentinel'), { ...ROLE_OPTIONS.queue });
    expect(own).toMatchObject({ sentinelPassword: 'spw', enableTLSForSentinelMode: true, maxRetriesPerRequest: null });
  });

  it('Cluster: offline queue and reconnect rule on the Cluster, the rest per node, reads from masters', () => {
    const coordination = clusterOptions(target('redis-cluster://:pw@a:7000,b:7001', 'cluster'), { ...ROLE_OPTIONS.coordination });
    expect(coordination).toMatchObject({ enableOfflineQueue: false, scaleReads: 'master', redisOptions: { commandTimeout: 250, maxRetriesPerRequest: 0, password: 'pw' } });
    expect(coordination.redisOptions).not.toHaveProperty('retryStrategy');
    expect(coordination.clusterRetryStrategy?.(3)).toBe(150);
    const subscriber = clusterOptions(target('redis-cluster://a:7000', 'cluster'), { ...ROLE_OPTIONS.subscriber });
    expect(subscriber.enableOfflineQueue).toBe(true);
    expect(subscriber.redisOptions?.commandTimeout).toBeUndefined();
    const queue = clusterOptions(target('redis-cluster://a:7000', 'cluster'), { ...ROLE_OPTIONS.queue });
    expect(queue.redisOptions).toMatchObject({ maxRetriesPerRequest: null });
  });
});
