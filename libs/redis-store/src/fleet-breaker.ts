import {
  BreakerOpenError,
  BreakerState,
  EventEmitter,
  GuardedCallRunner,
  LocalBreaker,
  probePassed,
  rate,
  tripReason,
  tripRecord,
  type Breaker,
  type BreakerConfig,
  type BreakerMode,
  type BreakerSnapshot,
  type CallRecorded,
  type CallRejected,
  type InFlightCall,
  type ModeChange,
  type Outcome,
  type ProtectedCall,
  type StateChange,
  type TransitionReason,
  type TripReason,
} from '@breakwater/resilience';
import { ScriptCode, scriptConfigJson, type BreakerScriptTarget, type OverrideState, type ProbeVerdict } from './breaker-scripts';
import { BrokenFleetBreakerError, isBreakerDataFault } from './broken-breaker.error';
import type { FleetContext } from './fleet-context';
import type { FleetSnapshot, ScriptReply } from './fleet-snapshot';
import { breakerKeys } from './keys';
import { OutcomeBatcher } from './outcome-batcher';

/** This instance's view of the fleet's state of one breaker; deadlines are on the local clock. */
interface FleetView {
  state: BreakerState;
  version: number;
  openSteps: number;
  /** OPEN: when a probe may be asked for. */
  openDeadline: number;
  /** HALF_OPEN: no permit was left; ask again after this. */
  permitRetryAt: number;
  calls: number;
  failures: number;
  slowCalls: number;
  consecutive: number;
  /** The fleet's last transition; `changedAt` on the local clock. */
  reason?: TransitionReason;
  changedAt?: number;
  /** The fleet's window when the breaker last tripped; `at` on the local clock. */
  trip?: { reason: TripReason; at: number; calls: number; failures: number; slowCalls: number };
  /** The state hash's incarnation: another one means Redis lost its data (versions start again). */
  incarnation?: string;
}

/** Probe verdicts kept for resending while Redis does not answer (a half-open episode has few). */
export const MAX_UNSENT_VERDICTS = 20;

/**
 * The longest an instance refused a half-open permit waits before asking again. A permit can come
 * back at any moment (a probe that never reached the downstream gives it back, an orphaned one is
 * released) and nothing announces it; without this bound an instance refused once would wait
 * until halfOpenMaxWaitMs, however soon the permit was free. The cost: one script call per
 * instance with traffic per interval, only while every permit of the breaker is out.
 */
export const PERMIT_RECHECK_MS = 250;

/** How a snapshot is applied to the view. */
export type ApplyRule = 'newer' | 'sync' | 'replace';

/**
 * A breaker whose state is the fleet's, kept in Redis. CLOSED and still-OPEN decisions read only
 * the local view; outcomes travel in batches; only a call that may become a half-open probe waits
 * for Redis (bounded by the fleet's command timeout). While Redis does not answer, the embedded
 * local breaker decides with the same rules, starting from the last known fleet state.
 */
export class FleetBreaker implements Breaker {
  readonly config: Readonly<BreakerConfig>;
  readonly target: BreakerScriptTarget;
  private readonly local: LocalBreaker;
  private readonly runner: GuardedCallRunner;
  private readonly batcher: OutcomeBatcher;
  private readonly view: FleetView = { state: BreakerState.CLOSED, version: 0, openSteps: 0, openDeadline: 0, permitRetryAt: 0, calls: 0, failures: 0, slowCalls: 0, consecutive: 0 };
  private modeValue: BreakerMode = 'fleet';
  /** Set while this breaker decides locally because its own data in Redis is unusable. */
  private fault: { error: BrokenFleetBreakerError; at: number } | undefined;
  private acquiring = false;
  private flushing: Promise<void> | undefined;
  /** A flush asked for while one was on its way: it goes right after it, not at the next tick. */
  private queuedFlush: Promise<void> | undefined;
  /** The trip rule without minimumCalls: see couldTrip. */
  private readonly atAnyVolume: Readonly<BreakerConfig>;
  private sequence = 0;
  private lowerVersionSeen = false;
  /** The version in which the fleet last said this instance's failures are held back by minReportingInstances. */
  private heldBackIn: number | undefined;
  private readonly unsentVerdicts: { permitId: string; verdict: ProbeVerdict }[] = [];
  private readonly stateChanged = new EventEmitter<StateChange>();
  private readonly rejected = new EventEmitter<CallRejected>();
  private readonly recorded = new EventEmitter<CallRecorded>();
  private readonly modeChanged = new EventEmitter<ModeChange>();
  readonly onStateChange = this.stateChanged.event;
  readonly onCallRejected = this.rejected.event;
  readonly onCallRecorded = this.recorded.event;
  readonly onModeChange = this.modeChanged.event;

  constructor(
    readonly name: string,
    config: Readonly<BreakerConfig>,
    keyPrefix: string,
    private readonly fleet: FleetContext,
    random: () => number,
  ) {
    this.config = config;
    this.atAnyVolume = { ...config, minimumCalls: 1 };
    this.target = { name, keys: breakerKeys(keyPrefix, name), configJson: scriptConfigJson(config) };
    // What the local breaker sees while this breaker is cut off from the fleet (Redis away, or its
    // data broken) is news for the fleet: it waits in batches, by bucket, for the resync.
    const keepForFleet = (outcome: Outcome, now: number): void => {
      if (this.modeValue === 'local') this.batcher.add(outcome, this.view.version, now);
    };
    this.local = new LocalBreaker(name, config, { clock: fleet.clock, random, onCallOutcome: keepForFleet });
    this.local.onStateChange((change) => this.stateChanged.emit(change));
    this.local.onCallRejected((r) => this.rejected.emit(r));
    this.local.onCallRecorded((r) => this.recorded.emit(r));
    this.runner = new GuardedCallRunner(name, config, fleet.clock, (call, outcome, now) => this.count(call, outcome, now), this.recorded);
    this.batcher = new OutcomeBatcher(fleet.sessionId, () => ++this.sequence, config.windowMs, config.windowMs / config.windowBuckets);
  }

  get state(): BreakerState {
    return this.modeValue === 'local' ? this.local.state : this.view.state;
  }

  get mode(): BreakerMode {
    return this.modeValue;
  }

  /** Deciding locally because its own data in Redis is unusable (not because Redis is away). */
  get broken(): boolean {
    return this.fault !== undefined;
  }

  execute<T>(call: ProtectedCall<T>, signal?: AbortSignal): Promise<T> {
    if (this.modeValue === 'local') return this.local.execute(call, signal);
    const v = this.view;
    if (v.state === BreakerState.CLOSED) return this.runner.run(call, signal, v.version, false);
    if (v.state === BreakerState.DISABLED) return this.runner.runUnguarded(call, signal);
    const now = this.fleet.clock.now();
    const mayProbe = (v.state === BreakerState.OPEN && now >= v.openDeadline) || (v.state === BreakerState.HALF_OPEN && now >= v.permitRetryAt);
    // One permit request at a time per instance: the rest of its calls are refused meanwhile.
    if (!mayProbe || this.acquiring) return this.reject(now);
    return this.probe(call, signal);
  }

  snapshot(): BreakerSnapshot {
    const now = this.fleet.clock.now();
    // The local breaker knows only what it decided since Redis went away; the rest is the fleet's.
    if (this.modeValue === 'local') return { ...this.history(now), ...this.local.snapshot(), ...this.faultSnapshot(now) };
    const v = this.view;
    return {
      name: this.name,
      state: v.state,
      mode: this.modeValue,
      version: v.version,
      calls: v.calls,
      failures: v.failures,
      slowCalls: v.slowCalls,
      failureRate: rate(v.failures, v.calls),
      slowCallRate: rate(v.slowCalls, v.calls),
      retryAfterMs: this.retryAfterMs(this.fleet.clock.now()),
      minimumCalls: this.config.minimumCalls,
      failureRateThreshold: this.config.failureRateThreshold,
      slowCallRateThreshold: this.config.slowCallRateThreshold,
      ...this.history(now),
    };
  }

  forceOpen(): Promise<void> {
    return this.override(BreakerState.FORCED_OPEN);
  }

  disable(): Promise<void> {
    return this.override(BreakerState.DISABLED);
  }

  reset(): Promise<void> {
    return this.override(BreakerState.CLOSED);
  }

  /**
   * Sends the outcomes collected so far, one flush at a time per breaker; resolves once they are
   * sent (or kept for a retry). Asked for while a flush is on its way, it goes right after that
   * one, not at the next tick: an early flush is not lost behind another.
   */
  flush(): Promise<void> {
    if ((this.batcher.isEmpty && this.unsentVerdicts.length === 0) || this.modeValue === 'local') return this.flushing ?? Promise.resolve();
    if (this.flushing !== undefined) {
      this.queuedFlush ??= this.flushing.then(() => {
        this.queuedFlush = undefined;
        return this.flush();
      });
      return this.queuedFlush;
    }
    this.flushing = this.sendBatches()
      .then(() => undefined)
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  /**
   * Redis answers again (`snapshot` is a fresh read). What this instance saw while cut off goes
   * to the fleet first, while the local breaker still decides its calls, so a dead downstream
   * gets no fresh burst between taking the fleet's state and telling it; then the freshest state
   * Redis gave replaces whatever was decided locally. Stays local if a send fails.
   */
  async resync(snapshot: FleetSnapshot): Promise<void> {
    if (this.modeValue === 'fleet') return;
    await this.flushing;
    const sending = this.sendBatches();
    this.flushing = sending.then(() => undefined).finally(() => {
      this.flushing = undefined;
    });
    const { ok, last } = await sending;
    if (!ok || this.fleet.mode === 'local') return;
    this.enterFleetMode(last ?? snapshot);
  }

  /** Counts running calls that crossed the slow threshold (the fleet calls this every tick). */
  sweepSlowCalls(): void {
    this.runner.sweep();
  }

  /**
   * Takes a snapshot from Redis. `newer` (script replies, pub/sub): only a higher version moves
   * the view. `sync` (periodic re-read): also a lower version seen twice in a row, which means
   * Redis lost its data (a restart without persistence). `replace`: the fleet state wins.
   */
  apply(snapshot: FleetSnapshot, rule: ApplyRule): void {
    const v = this.view;
    // Redis lost the data this view knew: the new state is taken at once, from any reply or
    // message, whatever its version (otherwise only after two re-reads, while batches tagged
    // with the old version were dropped).
    if (snapshot.incarnation !== undefined && v.incarnation !== undefined && snapshot.incarnation !== v.incarnation) rule = 'replace';
    if (snapshot.incarnation !== undefined) v.incarnation = snapshot.incarnation;
    if (snapshot.version < v.version) {
      // Only the periodic re-read may judge a lower version; a reply in between says nothing new.
      if (rule === 'newer') return;
      if (rule === 'sync' && !this.lowerVersionSeen) {
        this.lowerVersionSeen = true;
        return;
      }
    }
    if (rule !== 'newer') this.lowerVersionSeen = false;
    const now = this.fleet.clock.now();
    const { lastChange, lastTrip } = snapshot;
    v.reason = lastChange?.reason;
    v.changedAt = lastChange === undefined ? undefined : now - lastChange.agoMs;
    v.trip = lastTrip === undefined ? undefined : { ...lastTrip, at: now - lastTrip.agoMs };
    if (snapshot.totals !== undefined && (snapshot.version >= v.version || rule === 'replace')) {
      v.calls = snapshot.totals.calls;
      v.failures = snapshot.totals.failures;
      v.slowCalls = snapshot.totals.slowCalls;
      v.consecutive = snapshot.totals.consecutive;
    }
    if (snapshot.version === v.version && snapshot.state === v.state && rule !== 'replace') {
      this.refreshDeadline(snapshot);
      return;
    }
    const from = this.state;
    // The fleet opened or closed: its window starts empty, and so must the one kept for local mode.
    if (snapshot.version !== v.version && (snapshot.state === BreakerState.CLOSED || snapshot.state === BreakerState.OPEN)) this.local.clearWindow();
    v.state = snapshot.state;
    v.version = snapshot.version;
    v.openSteps = snapshot.openSteps;
    v.openDeadline = snapshot.state === BreakerState.OPEN ? now + snapshot.retryAfterMs : 0;
    v.permitRetryAt = snapshot.state === BreakerState.HALF_OPEN ? now + Math.min(snapshot.retryAfterMs, PERMIT_RECHECK_MS) : 0;
    if (snapshot.totals === undefined) v.calls = v.failures = v.slowCalls = v.consecutive = 0;
    if (this.modeValue === 'fleet' && from !== v.state) {
      this.stateChanged.emit({ breaker: this.name, from, to: v.state, version: v.version, reason: v.reason ?? 'fleet', mode: 'fleet' });
    }
  }

  /** Redis stopped answering: decide locally from the last known fleet state. */
  enterLocalMode(cause: unknown): void {
    if (this.modeValue === 'local') return;
    const v = this.view;
    const now = this.fleet.clock.now();
    this.local.adopt(v.state, v.version, Math.max(0, this.retryAfterMs(now)), v.openSteps);
    this.modeValue = 'local';
    this.modeChanged.emit({ breaker: this.name, mode: 'local', cause });
  }

  /**
   * A command of this breaker failed. A timeout or a lost connection has already switched the
   * whole fleet to local mode (`fleet` scope), or switches this breaker alone (`breaker` scope: on
   * a Cluster, its shard may be the only one down); an error on this breaker's own data (WRONGTYPE, a field the
   * scripts cannot read) would fail again on every try, so this breaker alone decides locally,
   * says so (onModeChange with a BrokenFleetBreakerError, `fault` in its snapshot, the fleet's
   * onBreakerBroken), and the periodic re-read tries it again.
   */
  reportFailure(error: unknown): void {
    if (!isBreakerDataFault(error)) {
      // On a Cluster this breaker's own command is the only news of its shard (see LocalModeScope).
      if (this.fleet.localModeScope === 'breaker') this.enterLocalMode(error);
      return;
    }
    const broken = new BrokenFleetBreakerError(this.name, error);
    const first = this.fault === undefined;
    this.fault = { error: broken, at: first ? this.fleet.clock.now() : (this.fault?.at ?? 0) };
    if (this.modeValue === 'fleet') this.enterLocalMode(broken);
    if (first) this.fleet.broken(broken);
  }

  /** Redis answers again: the fleet's state replaces whatever was decided locally. */
  enterFleetMode(snapshot: FleetSnapshot): void {
    if (this.modeValue === 'fleet') return;
    this.fault = undefined;
    const localState = this.local.state;
    // Applied while still local, so the one state change announced is the one below.
    this.apply(snapshot, 'replace');
    this.modeValue = 'fleet';
    this.modeChanged.emit({ breaker: this.name, mode: 'fleet' });
    if (localState !== this.view.state) {
      this.stateChanged.emit({ breaker: this.name, from: localState, to: this.view.state, version: this.view.version, reason: 'fleet', mode: 'fleet' });
    }
  }

  dispose(): void {
    this.local.dispose();
  }

  private async probe<T>(call: ProtectedCall<T>, signal: AbortSignal | undefined): Promise<T> {
    this.acquiring = true;
    const permitId = `${this.fleet.sessionId}:p${++this.sequence}`;
    let reply: ScriptReply;
    try {
      reply = await this.fleet.command(() => this.fleet.scripts.acquire(this.target, permitId));
    } catch (error) {
      this.reportFailure(error);
      // A request that timed out may still have run on Redis and taken a permit nobody will use:
      // with the defaults two of them would shut a healed downstream out until halfOpenMaxWaitMs.
      // It is given back with the next flush, behind the request on the same connection, so Redis
      // sees the release after the grant; a release for a permit never granted is ignored.
      this.keepUnsent(permitId, 'release');
      // The fleet (or this broken breaker) is in local mode now; the local breaker decides this call.
      return this.local.execute(call, signal);
    } finally {
      this.acquiring = false;
    }
    this.apply(reply.snapshot, 'newer');
    if (reply.code === ScriptCode.PERMIT_GRANTED) return this.runner.run(call, signal, reply.snapshot.version, true, permitId);
    if (reply.code === ScriptCode.NOT_NEEDED) {
      return reply.snapshot.state === BreakerState.DISABLED ? this.runner.runUnguarded(call, signal) : this.runner.run(call, signal, reply.snapshot.version, false);
    }
    return this.reject(this.fleet.clock.now());
  }

  /**
   * A snapshot of the episode the view is in still brings news: when the episode's wait ends.
   * Redis's answer wins over the view's own deadline, which may have come from an older reply or
   * run out early (a clock ahead of Redis time): left alone, a view past its OPEN deadline would
   * ask Redis on every call and be refused every time.
   */
  private refreshDeadline(snapshot: FleetSnapshot): void {
    const v = this.view;
    const now = this.fleet.clock.now();
    if (v.state === BreakerState.OPEN) v.openDeadline = now + snapshot.retryAfterMs;
    else if (v.state === BreakerState.HALF_OPEN) v.permitRetryAt = now + Math.min(snapshot.retryAfterMs, PERMIT_RECHECK_MS);
  }

  private reject(now: number): Promise<never> {
    const state = this.view.state;
    const retryAfterMs = this.retryAfterMs(now);
    if (this.rejected.hasListeners) this.rejected.emit({ breaker: this.name, state, retryAfterMs });
    return Promise.reject(new BreakerOpenError(this.name, state, retryAfterMs));
  }

  private history(now: number): Pick<BreakerSnapshot, 'reason' | 'inStateMs' | 'lastTrip'> {
    const { reason, changedAt, trip } = this.view;
    return {
      ...(reason !== undefined && changedAt !== undefined && { reason, inStateMs: now - changedAt }),
      ...(trip !== undefined && { lastTrip: tripRecord(trip.reason, now - trip.at, trip) }),
    };
  }

  private retryAfterMs(now: number): number {
    const v = this.view;
    switch (v.state) {
      case BreakerState.OPEN:
        return Math.max(0, v.openDeadline - now);
      case BreakerState.HALF_OPEN:
        return Math.max(0, v.permitRetryAt - now);
      case BreakerState.FORCED_OPEN:
        return this.config.openBaseMs;
      default:
        return 0;
    }
  }

  private count(call: InFlightCall, outcome: Outcome, now: number): void {
    this.local.observe(outcome, now);
    if (call.probe) {
      if (call.permitId === undefined) return;
      if (outcome.verdict) void this.sendProbeVerdict(call.permitId, probePassed(outcome) ? 'passed' : 'failed');
      else if (outcome.ignored) void this.sendProbeVerdict(call.permitId, 'release');
      return;
    }
    this.batcher.add(outcome, call.version, now);
    // Any outcome that changes the window can complete the rule (a success can bring it to minimumCalls).
    if (outcome.calls + outcome.failures + outcome.slowCalls > 0 && this.view.state === BreakerState.CLOSED && this.couldTrip()) {
      this.fleet.flushSoon(() => this.flush());
    }
  }

  /**
   * Whether what this instance holds, added to the fleet window of the last reply, could trip the
   * breaker now or as soon as the window holds minimumCalls: the rate part of the rule is met at
   * any volume. The other instances' outcomes cannot be seen from here, and with several
   * instances sharing a dead downstream's failures no instance's own would meet minimumCalls in
   * time: once the rate is over the threshold, only volume is missing, which they are adding at
   * this moment, so every outcome is worth sending at once. The cost stays bounded: the window
   * fills within a few calls at any traffic worth the name (and then the fleet trips), and at low
   * traffic a script per outcome is cheap.
   */
  private couldTrip(): boolean {
    // Only Redis knows which instances reported failures. Once it said too few did, more failures
    // of this one cannot trip the breaker: they wait for the tick (whose reply says when that
    // changes) instead of each flushing on its own, one script per failure.
    if (this.heldBackIn === this.view.version) return false;
    const v = this.view;
    // No failure or slow call in the fleet window or in what this instance holds: no rate can be
    // met. The common case on the hot path (a healthy downstream), answered without allocating.
    if (v.failures + v.slowCalls === 0 && v.consecutive === 0 && !this.batcher.holdsFailures) return false;
    const p = this.batcher.pending();
    const totals = { calls: v.calls + p.calls, failures: v.failures + p.failures, slowCalls: v.slowCalls + p.slowCalls };
    return tripReason(totals, p.sawSuccess ? p.trailingFailures : v.consecutive + p.trailingFailures, this.atAnyVolume) !== undefined;
  }

  /** Sends what is pending, oldest first; stops at the first failure. `last`: the last batch reply. */
  private async sendBatches(): Promise<{ ok: boolean; last?: FleetSnapshot }> {
    if (this.unsentVerdicts.length > 0) await this.resendVerdicts();
    let last: FleetSnapshot | undefined;
    for (const batch of this.batcher.takeReady(this.fleet.clock.now())) {
      const incarnation = this.view.incarnation;
      let reply: ScriptReply;
      try {
        reply = await this.fleet.command(() => this.fleet.scripts.recordBatch(this.target, batch));
      } catch (error) {
        this.reportFailure(error);
        return { ok: false, last }; // kept, with its sequence, for the next flush (later batches wait behind it)
      }
      last = reply.snapshot;
      if (reply.code === ScriptCode.HELD_BACK) this.heldBackIn = reply.snapshot.version;
      else if (reply.code === ScriptCode.COUNTED) this.heldBackIn = undefined;
      this.apply(reply.snapshot, 'newer');
      const reborn = incarnation !== undefined && reply.snapshot.incarnation !== undefined && reply.snapshot.incarnation !== incarnation;
      if (reborn && reply.code === ScriptCode.IGNORED && this.view.state === BreakerState.CLOSED) {
        // Redis lost its data: the outcomes it dropped, and those still waiting, were never
        // counted under the new state, so they go again under its version.
        this.batcher.retag(this.view.version);
        return this.sendBatches();
      }
      this.batcher.confirm(batch);
    }
    return { ok: true, last };
  }

  private async sendProbeVerdict(permitId: string, verdict: ProbeVerdict): Promise<void> {
    try {
      const reply = await this.fleet.command(() => this.fleet.scripts.probeVerdict(this.target, permitId, verdict));
      this.apply(reply.snapshot, 'newer');
    } catch (error) {
      this.keepUnsent(permitId, verdict);
      this.reportFailure(error);
    }
  }

  /** Sent again with the next flush: the script consumes a permit once, so a repeat is harmless. */
  private keepUnsent(permitId: string, verdict: ProbeVerdict): void {
    this.unsentVerdicts.push({ permitId, verdict });
    if (this.unsentVerdicts.length > MAX_UNSENT_VERDICTS) this.unsentVerdicts.shift();
  }

  private async resendVerdicts(): Promise<void> {
    const verdicts = this.unsentVerdicts.splice(0);
    for (const { permitId, verdict } of verdicts) await this.sendProbeVerdict(permitId, verdict);
  }

  private async override(to: OverrideState): Promise<void> {
    let reply: ScriptReply;
    try {
      reply = await this.fleet.command(() => this.fleet.scripts.override(this.target, to));
    } catch (error) {
      this.reportFailure(error);
      throw error;
    }
    this.apply(reply.snapshot, 'newer');
  }

  private faultSnapshot(now: number): Pick<BreakerSnapshot, 'fault'> {
    const f = this.fault;
    return f === undefined ? {} : { fault: { code: f.error.code, message: f.error.message, forMs: now - f.at } };
  }
}
