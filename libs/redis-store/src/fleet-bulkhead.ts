import { randomUUID } from 'node:crypto';
import {
  BulkheadPolicy,
  BulkheadRejectedError,
  EventEmitter,
  InvalidConfigError,
  NEVER_ABORTED,
  type BulkheadRejected,
  type Policy,
  type ProtectedCall,
} from '@breakwater/resilience';
import { bulkheadLeasesKey, checkKeyPrefix } from './keys';
import { sendWithin } from './redis-command';
import { defineScript, type RedisConnection, type ScriptCall } from './script-loader';

export interface FleetBulkheadOptions {
  redis: RedisConnection;
  keyPrefix?: string;
  /** Calls running at once across the whole fleet (a provider's connection limit). */
  fleetLimit: number;
  /**
   * A permit is a lease that expires by itself after this long, so an instance that dies holding
   * permits gives them back. Must exceed the longest call: put a timeout inside the bulkhead.
   */
  leaseMs?: number;
  /** This instance's own limit while Redis does not answer (fleetLimit / instances is a fair value). */
  localLimit: number;
  commandTimeoutMs?: number;
  /** After Redis failed, how long to decide locally before asking Redis again. */
  localModeMs?: number;
}

export const DEFAULT_LEASE_MS = 30_000;
export const DEFAULT_BULKHEAD_COMMAND_TIMEOUT_MS = 250;
export const DEFAULT_LOCAL_MODE_MS = 1_000;

/**
 * At most `fleetLimit` calls of a downstream in flight across every instance, through a Redis
 * semaphore whose permits are leases (acquire-lease-1.lua). Each call costs a Redis round trip to
 * take its permit and one to give it back, so use it where the downstream's limit is the point
 * (a provider's connection limit), behind a local bulkhead. While Redis does not answer, the
 * instance falls back to a local bulkhead of `localLimit`.
 */
export class FleetBulkhead implements Policy {
  private readonly key: string;
  private readonly acquireLease: ScriptCall;
  private readonly local: BulkheadPolicy;
  private readonly leaseMs: number;
  private readonly commandTimeoutMs: number;
  private readonly localModeMs: number;
  private readonly session = randomUUID().slice(0, 8);
  private sequence = 0;
  private localUntil = 0;
  private running = 0;
  private rejectedCount = 0;
  private readonly rejectedEmitter = new EventEmitter<BulkheadRejected>();
  readonly onRejected = this.rejectedEmitter.event;

  constructor(
    readonly name: string,
    private readonly options: FleetBulkheadOptions,
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_BULKHEAD_COMMAND_TIMEOUT_MS;
    this.localModeMs = options.localModeMs ?? DEFAULT_LOCAL_MODE_MS;
    const problems: string[] = [];
    if (!(Number.isInteger(options.fleetLimit) && options.fleetLimit >= 1)) problems.push(`fleetLimit must be a whole number of at least 1 (got ${options.fleetLimit})`);
    if (!(this.leaseMs > 0)) problems.push(`leaseMs must be greater than 0 (got ${this.leaseMs})`);
    if (!(this.commandTimeoutMs > 0)) problems.push(`commandTimeoutMs must be greater than 0 (got ${this.commandTimeoutMs})`);
    if (problems.length > 0) throw new InvalidConfigError(`fleet bulkhead ${name}`, problems);
    const keyPrefix = options.keyPrefix ?? '';
    checkKeyPrefix(keyPrefix);
    this.key = bulkheadLeasesKey(keyPrefix, name);
    this.local = new BulkheadPolicy(`${name} (local)`, { maxConcurrent: options.localLimit });
    this.local.onRejected((r) => this.rejectedEmitter.emit({ ...r, bulkhead: name }));
    this.acquireLease = defineScript(options.redis, { file: 'acquire-lease-1.lua' });
  }

  /** Calls this instance runs under a fleet lease now. */
  get inFlight(): number {
    return this.running + this.local.inFlight;
  }

  get rejected(): number {
    return this.rejectedCount + this.local.rejected;
  }

  /** Whether calls are limited by the local fallback (Redis did not answer lately). */
  get mode(): 'fleet' | 'local' {
    return performance.now() < this.localUntil ? 'local' : 'fleet';
  }

  async execute<T>(call: ProtectedCall<T>, signal?: AbortSignal): Promise<T> {
    if (this.mode === 'local') return this.local.execute(call, signal);
    const leaseId = `${this.session}:${++this.sequence}`;
    let granted: boolean;
    try {
      granted = await sendWithin(this.options.redis, this.commandTimeoutMs, async () => {
        const reply = await this.acquireLease([this.key], [this.options.fleetLimit, leaseId, this.leaseMs]);
        return Array.isArray(reply) && Number(reply[0]) === 1;
      });
    } catch {
      this.localUntil = performance.now() + this.localModeMs;
      return this.local.execute(call, signal);
    }
    if (!granted) {
      this.rejectedCount++;
      if (this.rejectedEmitter.hasListeners) this.rejectedEmitter.emit({ bulkhead: this.name, reason: 'fleet-full', inFlight: this.running, queued: 0 });
      throw new BulkheadRejectedError(this.name, 'fleet-full', this.options.fleetLimit);
    }
    this.running++;
    try {
      return await call(signal ?? NEVER_ABORTED);
    } finally {
      this.running--;
      // A release that does not arrive costs a permit until the lease expires, no more.
      void sendWithin(this.options.redis, this.commandTimeoutMs, () => this.options.redis.zrem(this.key, leaseId)).catch(() => undefined);
    }
  }
}

export const createFleetBulkhead = (name: string, options: FleetBulkheadOptions): FleetBulkhead => new FleetBulkhead(name, options);
