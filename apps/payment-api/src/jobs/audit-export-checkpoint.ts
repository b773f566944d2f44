import type Redis from 'ioredis';

/**
 * How much of the export file is accounted for: every complete line before this offset names an
 * entry whose payment's export mark covers it. Kept in Redis, fleet-wide, per file path (the
 * fleet shares the file): an export reads the file only from here on, which is nothing unless a
 * writer died between appending and marking.
 */
export class AuditExportCheckpoint {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    private readonly path: string,
  ) {
    this.key = `${keyPrefix}audit-export:checkpoint`;
  }

  async offset(): Promise<number> {
    const value = Number(await this.redis.hget(this.key, this.path));
    return Number.isInteger(value) && value > 0 ? value : 0;
  }

  async save(offset: number): Promise<void> {
    await this.redis.hset(this.key, this.path, String(offset));
  }
}
