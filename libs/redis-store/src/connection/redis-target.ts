/** A host and port, as a Cluster seed or a sentinel is given. */
export interface RedisAddress {
  host: string;
  port: number;
}

/** Credentials of the data servers (ACL user, or the `requirepass` password alone). */
export interface RedisCredentials {
  username?: string;
  password?: string;
}

/** One Redis server: `redis://` or `rediss://`. */
export interface SingleRedisTarget extends RedisCredentials {
  kind: 'single';
  address: RedisAddress;
  db: number;
  tls: boolean;
}

/** A Cluster, found through its seed nodes: `redis-cluster://`, `rediss-cluster://`. A Cluster has database 0 only. */
export interface ClusterRedisTarget extends RedisCredentials {
  kind: 'cluster';
  seeds: RedisAddress[];
  tls: boolean;
}

/** A master behind Sentinel: `redis-sentinel://`, `rediss-sentinel://` (TLS to the sentinels and the servers). */
export interface SentinelRedisTarget extends RedisCredentials {
  kind: 'sentinel';
  sentinels: RedisAddress[];
  masterName: string;
  db: number;
  tls: boolean;
  /** The sentinels' own credentials, when they differ from the servers' (`?sentinelUsername=&sentinelPassword=`). */
  sentinelUsername?: string;
  sentinelPassword?: string;
}

/** Where the fleet's Redis is, as one `REDIS_URL` says. */
export type RedisTarget = SingleRedisTarget | ClusterRedisTarget | SentinelRedisTarget;
