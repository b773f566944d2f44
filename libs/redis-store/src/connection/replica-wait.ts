import type { Cluster, Redis } from 'ioredis';
import { Command } from 'ioredis';
import type { RedisConnection } from '../script-loader';
import { RedisUnavailableError } from '../redis-unavailable.error';
import { ReplicaNotConfirmedError } from './replica-wait.error';
import type { ReplicaWaitSettings } from './replica-wait-settings';

/**
 * The waiting mode (docs/redis-deployments.md): after a write that decides money, `WAIT` until
 * enough replicas hold it, or throw ReplicaNotConfirmedError (the request answers 503). Replication
 * is asynchronous: without this a master that dies right after acknowledging a write takes it
 * with it. WAIT covers the writes sent before it on the same connection, so on a Cluster it goes
 * to the connection of the master serving the written key's slot, the one the write went through.
 */
export class ReplicaWait {
  /** `settings` as readReplicaWaitSettings reads them from REDIS_WAIT_REPLICAS and REDIS_WAIT_TIMEOUT_MS (the app: AppConfig.replicaWait). */
  constructor(
    private readonly redis: RedisConnection,
    readonly settings: ReplicaWaitSettings,
  ) {}

  get enabled(): boolean {
    return this.settings.replicas > 0;
  }

  /** Resolves once the write just made to `key` is on enough replicas; at once when the mode is off. */
  async confirm(key: string): Promise<void> {
    if (!this.enabled) return;
    const { replicas, timeoutMs } = this.settings;
    const confirmed = await this.connectionFor(key).wait(replicas, timeoutMs);
    if (confirmed < replicas) throw new ReplicaNotConfirmedError(key, replicas, confirmed, timeoutMs);
  }

  private connectionFor(key: string): Redis {
    if (!this.redis.isCluster) return this.redis as Redis;
    const cluster = this.redis as Cluster;
    const slot = new Command('get', [key]).getSlot();
    const nodeKey = cluster.slots[slot]?.[0];
    const node = cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === nodeKey);
    if (node === undefined) throw new RedisUnavailableError(`no master known for the slot of ${key}`);
    return node;
  }
}
