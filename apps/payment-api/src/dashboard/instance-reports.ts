import type { RedisConnection } from '@breakwater/redis-store';
import type { InstanceReport } from './instance-report';

/** A report outlives its instance this long, so a dead instance shows as "not reporting" for a while. */
export const REPORT_TTL_MS = 60_000;
/** Instances not heard of for this long leave the index (writer's clock; minutes make skew moot). */
const INDEX_RETENTION_MS = 10 * 60_000;

/**
 * The instances' reports in Redis: one key per instance (`dash:{<id>}:report`, its own hash tag,
 * so no key takes every instance's writes but the small index) and a sorted set of instance ids.
 * Writes: one report and one index entry per instance per second, whatever the traffic.
 */
export class InstanceReports {
  private readonly index: string;

  constructor(
    private readonly redis: RedisConnection,
    private readonly keyPrefix: string,
  ) {
    this.index = `${keyPrefix}dash:instances`;
  }

  private key(instanceId: string): string {
    return `${this.keyPrefix}dash:{${instanceId}}:report`;
  }

  async publish(report: InstanceReport): Promise<void> {
    const now = Date.now();
    await Promise.all([
      this.redis.set(this.key(report.instanceId), JSON.stringify(report), 'PX', REPORT_TTL_MS),
      this.redis.zadd(this.index, now, report.instanceId),
      this.redis.zremrangebyscore(this.index, '-inf', now - INDEX_RETENTION_MS),
    ]);
  }

  /** Every instance's last report still kept; one GET per instance (keys in different slots). */
  async readAll(): Promise<InstanceReport[]> {
    const ids = await this.redis.zrange(this.index, 0, -1);
    const texts = await Promise.all(ids.map((id) => this.redis.get(this.key(id))));
    const reports: InstanceReport[] = [];
    for (const text of texts) {
      if (text === null) continue;
      try {
        reports.push(JSON.parse(text) as InstanceReport);
      } catch {
        // A report another version wrote and this one cannot read: that instance shows as absent.
      }
    }
    return reports;
  }
}
