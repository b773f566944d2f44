import { EventEmitter } from '@breakwater/resilience';
import { defineScript, type RedisConnection, type ScriptCall } from '../script-loader';
import { acknowledge, claimIdle, ensureGroup, isNoGroupError, readNew } from './outbox-commands';
import type { OutboxEntry, OutboxGroup } from './outbox-entry';
import { forgetStaleConsumers, trimAcknowledged } from './outbox-trim';

/** Every stream is read this often even without a kick: entries written by a write whose reply was lost, or by another instance. */
export const DEFAULT_OUTBOX_POLL_MS = 1_000;
/** A delivered entry not acknowledged for this long (its consumer died, or its follow-up failed) is delivered again. */
export const DEFAULT_OUTBOX_RECLAIM_IDLE_MS = 5_000;
/** Entries every group is done with are trimmed this often. */
export const DEFAULT_OUTBOX_TRIM_MS = 10_000;
/** Entries one read takes at most. */
export const DEFAULT_OUTBOX_BATCH = 100;

export interface OutboxRelayOptions {
  redis: RedisConnection;
  /** The outbox's streams (its shards: each is one key, so one Cluster slot). */
  streams: readonly string[];
  groups: readonly OutboxGroup[];
  /** This process's name in every group (an instance id). */
  consumer: string;
  pollMs?: number;
  reclaimIdleMs?: number;
  trimMs?: number;
  batch?: number;
}

/** Something the relay could not do; it goes on, and the entry is delivered again. */
export interface OutboxRelayFailure {
  stream: string;
  /** Undefined for a failure of the stream itself (a read, a trim). */
  group?: string;
  /** How many entries the failure left pending. */
  entries: number;
  error: unknown;
}

/**
 * Drains an outbox: streams that the scripts changing a record append to, in the same step as
 * the change (a transactional outbox), so a follow-up can be neither skipped (the change is
 * there, so is its entry) nor done for a change that did not happen. Each kind of follow-up is a
 * consumer group on every stream; every process runs this relay, and the groups share the
 * entries among them.
 *
 * A stream is read when it is kicked (the process just wrote to it) and every `pollMs`; one read
 * at a time per relay, kicks during it coalesce into the next. An entry is acknowledged once its
 * follow-up resolved; one that failed, or whose consumer died, is claimed again after
 * `reclaimIdleMs` by whichever process looks first. So follow-ups run at least once, and must be
 * idempotent. Entries every group is done with are trimmed. Every failure (Redis away, a
 * follow-up throwing) is reported on `onFailure` and retried: nothing here ever rejects.
 */
export class OutboxRelay {
  private readonly o: Required<OutboxRelayOptions>;
  private readonly due = new Set<string>();
  private readonly failures = new EventEmitter<OutboxRelayFailure>();
  readonly onFailure = this.failures.event;
  private draining: Promise<void> | undefined;
  private reclaiming: Promise<void> | undefined;
  private trimming: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private running = false;
  private readonly forgetConsumer: ScriptCall;

  constructor(options: OutboxRelayOptions) {
    this.o = { pollMs: DEFAULT_OUTBOX_POLL_MS, reclaimIdleMs: DEFAULT_OUTBOX_RECLAIM_IDLE_MS, trimMs: DEFAULT_OUTBOX_TRIM_MS, batch: DEFAULT_OUTBOX_BATCH, ...options };
    this.forgetConsumer = defineScript(options.redis, { file: 'forget-idle-consumer-1.lua' });
  }

  /** Creates the groups (best effort: a missing one is created when a read finds it missing) and starts reading. */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const stream of this.o.streams) void this.ensureGroups(stream).catch((error: unknown) => this.failed({ stream, entries: 0, error }));
    const every = (ms: number, run: () => void): void => {
      const timer = setInterval(run, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.o.pollMs, () => this.kickAll());
    every(this.o.reclaimIdleMs, () => void this.reclaimPass());
    every(this.o.trimMs, () => void this.trimPass());
    this.kickAll();
  }

  /** `stream` has new entries (this process just appended one): read it soon. */
  kick(stream: string): void {
    if (!this.running) return;
    this.due.add(stream);
    this.schedule();
  }

  /** Stops reading; resolves once the read, reclaim and trim in progress have finished. */
  async stop(): Promise<void> {
    this.running = false;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await Promise.all([this.draining, this.reclaiming, this.trimming]);
  }

  /** Delivers what is due now and waits for it (tests; the timers do this otherwise). */
  async drain(): Promise<void> {
    for (const stream of this.o.streams) this.due.add(stream);
    while (this.draining !== undefined) await this.draining;
    await this.readDue();
  }

  /** Claims and delivers every entry idle for `reclaimIdleMs` (tests; the timer does this otherwise). */
  async reclaim(): Promise<void> {
    while (this.reclaiming !== undefined) await this.reclaiming;
    await this.reclaimPass();
  }

  private kickAll(): void {
    for (const stream of this.o.streams) this.kick(stream);
  }

  private schedule(): void {
    if (this.draining !== undefined) return;
    this.draining = this.readDue().finally(() => {
      this.draining = undefined;
      if (this.running && this.due.size > 0) this.schedule();
    });
  }

  private async readDue(): Promise<void> {
    while (this.due.size > 0) {
      const streams = [...this.due];
      this.due.clear();
      await Promise.all(streams.flatMap((stream) => this.o.groups.map((group) => this.readNewOf(stream, group))));
    }
  }

  private async readNewOf(stream: string, group: OutboxGroup): Promise<void> {
    let entries: OutboxEntry[];
    try {
      entries = await readNew(this.o.redis, stream, group.name, this.o.consumer, this.o.batch);
    } catch (error) {
      await this.afterStreamError(stream, group, error);
      return;
    }
    // A full batch: there may be more behind it.
    if (entries.length === this.o.batch && this.running) this.due.add(stream);
    await this.deliver(stream, group, entries);
  }

  private async reclaimPass(): Promise<void> {
    if (this.reclaiming !== undefined || !this.running) return;
    this.reclaiming = (async () => {
      for (const stream of this.o.streams) {
        // A stop waits for this pass: with Redis stalled, each stream costs a command timeout.
        if (!this.running) return;
        await Promise.all(this.o.groups.map((group) => this.reclaimOf(stream, group)));
      }
    })().finally(() => (this.reclaiming = undefined));
    await this.reclaiming;
  }

  private async reclaimOf(stream: string, group: OutboxGroup): Promise<void> {
    let cursor = '0-0';
    do {
      let claimed: { entries: OutboxEntry[]; next: string };
      try {
        claimed = await claimIdle(this.o.redis, { stream, group: group.name, consumer: this.o.consumer, minIdleMs: this.o.reclaimIdleMs, cursor, count: this.o.batch });
      } catch (error) {
        await this.afterStreamError(stream, group, error);
        return;
      }
      await this.deliver(stream, group, claimed.entries);
      cursor = claimed.next;
    } while (cursor !== '0-0' && this.running);
  }

  /** Runs the group's follow-up for each entry and acknowledges those that succeeded. */
  private async deliver(stream: string, group: OutboxGroup, entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // Through a promise: a handler that throws rather than rejects is one failed entry, not a rejection of this pass.
    const results = await Promise.allSettled(entries.map((entry) => Promise.resolve().then(() => group.handle(entry))));
    const done = entries.filter((_, i) => results[i].status === 'fulfilled').map((entry) => entry.id);
    const firstFailure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (firstFailure !== undefined) this.failed({ stream, group: group.name, entries: entries.length - done.length, error: firstFailure.reason });
    try {
      await acknowledge(this.o.redis, stream, group.name, done);
    } catch (error) {
      // Delivered again after the reclaim time; the follow-ups are idempotent.
      this.failed({ stream, group: group.name, entries: done.length, error });
    }
  }

  private async afterStreamError(stream: string, group: OutboxGroup, error: unknown): Promise<void> {
    if (!isNoGroupError(error)) return this.failed({ stream, group: group.name, entries: 0, error });
    // The stream or its group is gone (Redis flushed, or restarted without persistence): made again, read next time.
    await ensureGroup(this.o.redis, stream, group.name).catch((again: unknown) => this.failed({ stream, group: group.name, entries: 0, error: again }));
  }

  private async trimPass(): Promise<void> {
    if (this.trimming !== undefined || !this.running) return;
    const names = this.o.groups.map((g) => g.name);
    this.trimming = (async () => {
      for (const stream of this.o.streams) {
        if (!this.running) return;
        try {
          await trimAcknowledged(this.o.redis, stream, names);
          for (const group of names) await forgetStaleConsumers(this.o.redis, this.forgetConsumer, { stream, group, self: this.o.consumer });
        } catch (error) {
          if (!isNoGroupError(error) && !isNoSuchKeyError(error)) this.failed({ stream, entries: 0, error });
        }
      }
    })().finally(() => (this.trimming = undefined));
    await this.trimming;
  }

  private async ensureGroups(stream: string): Promise<void> {
    for (const group of this.o.groups) await ensureGroup(this.o.redis, stream, group.name);
  }

  private failed(failure: OutboxRelayFailure): void {
    this.failures.emit(failure);
  }
}

/** XINFO on a stream that does not exist (yet): nothing to trim. */
const isNoSuchKeyError = (error: unknown): boolean => error instanceof Error && /no such key/i.test(error.message);
