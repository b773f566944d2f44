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
/**
 * Reads start at most this often: the kicks of every payment recorded meanwhile are served by
 * one round, whose entries go to each group together (one audit-export job for all of them, not
 * one per entry). A kick after a quiet spell is read at once.
 */
export const DEFAULT_OUTBOX_READ_INTERVAL_MS = 100;
/**
 * A poll that found nothing doubles the wait before the next one, up to this: an idle fleet
 * does not read every stream for every group every second. Any entry read brings it back to
 * `pollMs`. Kicks are not delayed by it.
 */
export const DEFAULT_OUTBOX_IDLE_POLL_MS = 4_000;
/** A stream whose read failed (Redis away or slow) is read again after this long, whatever the poll's back-off. */
export const DEFAULT_OUTBOX_READ_RETRY_MS = 1_000;

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
  readIntervalMs?: number;
  idlePollMs?: number;
  readRetryMs?: number;
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
  /** When the last read round started (performance.now), and the timer of a round put off until the interval is over. */
  private lastRead = -Infinity;
  private deferred: NodeJS.Timeout | undefined;
  /** The wait before the next poll: pollMs, doubled after each poll that found nothing, up to idlePollMs. */
  private pollWaitMs = 0;
  private pollTimer: NodeJS.Timeout | undefined;
  /** Entries read since the last poll started. */
  private readSincePoll = 0;
  /** Streams whose read failed, read again when `retryTimer` fires. */
  private readonly retry = new Set<string>();
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly forgetConsumer: ScriptCall;

  constructor(options: OutboxRelayOptions) {
    this.o = {
      pollMs: DEFAULT_OUTBOX_POLL_MS,
      reclaimIdleMs: DEFAULT_OUTBOX_RECLAIM_IDLE_MS,
      trimMs: DEFAULT_OUTBOX_TRIM_MS,
      batch: DEFAULT_OUTBOX_BATCH,
      readIntervalMs: DEFAULT_OUTBOX_READ_INTERVAL_MS,
      idlePollMs: DEFAULT_OUTBOX_IDLE_POLL_MS,
      readRetryMs: DEFAULT_OUTBOX_READ_RETRY_MS,
      ...options,
    };
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
    every(this.o.reclaimIdleMs, () => void this.reclaimPass());
    every(this.o.trimMs, () => void this.trimPass());
    // Halved: the first poll finds nothing yet and doubles it back to pollMs.
    this.pollWaitMs = this.o.pollMs / 2;
    this.poll();
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
    clearTimeout(this.pollTimer);
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    clearTimeout(this.deferred);
    this.deferred = undefined;
    await Promise.all([this.draining, this.reclaiming, this.trimming]);
  }

  /** Delivers what is due now and waits for it (tests; the timers do this otherwise). */
  async drain(): Promise<void> {
    for (const stream of this.o.streams) this.due.add(stream);
    while (this.draining !== undefined) await this.draining;
    while (this.due.size > 0) await this.readDue();
  }

  /** Claims and delivers every entry idle for `reclaimIdleMs` (tests; the timer does this otherwise). */
  async reclaim(): Promise<void> {
    while (this.reclaiming !== undefined) await this.reclaiming;
    await this.reclaimPass();
  }

  /** Reads every stream, then waits pollMs, or longer (up to idlePollMs) while polls find nothing. */
  private poll(): void {
    if (!this.running) return;
    const foundSomething = this.readSincePoll > 0;
    this.readSincePoll = 0;
    this.pollWaitMs = foundSomething ? this.o.pollMs : Math.min(this.o.idlePollMs, this.pollWaitMs * 2);
    for (const stream of this.o.streams) this.kick(stream);
    this.pollTimer = setTimeout(() => this.poll(), this.pollWaitMs);
    this.pollTimer.unref();
  }

  /** One read round at a time, and at most one per readIntervalMs; kicks meanwhile join the next. */
  private schedule(): void {
    if (this.draining !== undefined || this.deferred !== undefined || !this.running) return;
    const wait = this.lastRead + this.o.readIntervalMs - performance.now();
    if (wait > 0) {
      this.deferred = setTimeout(() => {
        this.deferred = undefined;
        this.schedule();
      }, wait);
      this.deferred.unref();
      return;
    }
    this.lastRead = performance.now();
    this.draining = this.readDue().finally(() => {
      this.draining = undefined;
      if (this.running && this.due.size > 0) this.schedule();
    });
  }

  /**
   * One round: every due stream read for every group, then each group handed all its entries
   * of the round at once (acknowledged stream by stream).
   */
  private async readDue(): Promise<void> {
    const streams = [...this.due];
    this.due.clear();
    await Promise.all(
      this.o.groups.map(async (group) => {
        const read = await Promise.all(streams.map((stream) => this.readNewOf(stream, group)));
        await this.deliver(group, read.flat());
      }),
    );
  }

  private async readNewOf(stream: string, group: OutboxGroup): Promise<OutboxEntry[]> {
    let entries: OutboxEntry[];
    try {
      entries = await readNew(this.o.redis, stream, group.name, this.o.consumer, this.o.batch);
    } catch (error) {
      await this.afterStreamError(stream, group, error);
      return [];
    }
    this.readSincePoll += entries.length;
    // A full batch: there may be more behind it.
    if (entries.length === this.o.batch && this.running) this.due.add(stream);
    return entries;
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
      await this.deliver(group, claimed.entries);
      cursor = claimed.next;
    } while (cursor !== '0-0' && this.running);
  }

  /** Runs the group's follow-ups (each entry's, or the whole batch's) and acknowledges what succeeded, stream by stream. */
  private async deliver(group: OutboxGroup, entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const done = await this.followUp(group, entries);
    const byStream = new Map<string, string[]>();
    for (const entry of done) byStream.set(entry.stream, [...(byStream.get(entry.stream) ?? []), entry.id]);
    await Promise.all(
      [...byStream].map(async ([stream, ids]) => {
        try {
          await acknowledge(this.o.redis, stream, group.name, ids);
        } catch (error) {
          // Delivered again after the reclaim time; the follow-ups are idempotent.
          this.failed({ stream, group: group.name, entries: ids.length, error });
        }
      }),
    );
  }

  /** The entries whose follow-up succeeded; failures are reported (one per stream). */
  private async followUp(group: OutboxGroup, entries: readonly OutboxEntry[]): Promise<OutboxEntry[]> {
    const failedOn = (error: unknown, failed: readonly OutboxEntry[]): void => {
      const counts = new Map<string, number>();
      for (const e of failed) counts.set(e.stream, (counts.get(e.stream) ?? 0) + 1);
      for (const [stream, n] of counts) this.failed({ stream, group: group.name, entries: n, error });
    };
    const batch = group.handleBatch?.bind(group);
    if (batch !== undefined) {
      try {
        // Through a promise: a handler that throws rather than rejects fails its batch, not this pass.
        await Promise.resolve().then(() => batch(entries));
        return [...entries];
      } catch (error) {
        failedOn(error, entries);
        return [];
      }
    }
    const results = await Promise.allSettled(entries.map((entry) => Promise.resolve().then(() => group.handle(entry))));
    const firstFailure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (firstFailure !== undefined) failedOn(firstFailure.reason, entries.filter((_, i) => results[i].status === 'rejected'));
    return entries.filter((_, i) => results[i].status === 'fulfilled');
  }

  private async afterStreamError(stream: string, group: OutboxGroup, error: unknown): Promise<void> {
    if (!isNoGroupError(error)) {
      this.failed({ stream, group: group.name, entries: 0, error });
      // A kick's entries would otherwise wait for the poll, up to idlePollMs on an idle relay.
      this.readAgainLater(stream);
      return;
    }
    // The stream or its group is gone (Redis flushed, or restarted without persistence): made
    // again, and read again in the next round. Not left to the poll: a kick (a local write that
    // made the stream anew) would otherwise wait for it, up to idlePollMs on an idle relay.
    try {
      await ensureGroup(this.o.redis, stream, group.name);
      if (this.running) this.due.add(stream);
    } catch (again) {
      this.failed({ stream, group: group.name, entries: 0, error: again });
    }
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

  private readAgainLater(stream: string): void {
    if (!this.running) return;
    this.retry.add(stream);
    if (this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      const streams = [...this.retry];
      this.retry.clear();
      for (const s of streams) this.kick(s);
    }, this.o.readRetryMs);
    this.retryTimer.unref();
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
