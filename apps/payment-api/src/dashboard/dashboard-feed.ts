import { degradation } from '../degradation/degradation';
import type { Gateway } from '../gateway';
import type { PendingReviewAge } from '../metrics/pending-review-age';
import { FleetView, type DashboardUpdate } from './fleet-view';
import { buildInstanceReport, type InstanceReport } from './instance-report';
import type { InstanceReports } from './instance-reports';
import { sseEvent, sseHeartbeat, sseRetry } from './sse-frames';

/** At most one update a second, to every page alike. */
export const UPDATE_INTERVAL_MS = 1_000;
/** A comment at least this often: under nginx's 10 s proxy_read_timeout even when building stalls. */
export const HEARTBEAT_MS = 5_000;
/** History for the charts, sent once to a page when it connects: 5 minutes of updates. */
export const HISTORY_POINTS = 300;
/** A page whose socket will not take more is skipped until it drains, not buffered for. */
const RECONNECT_MS = 2_000;

/** Where a page's frames go: the raw response, as far as the feed needs it. */
export interface FeedClient {
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  end(): unknown;
}

/** One point of the charts: the fleet's highest failure and slow-call rate per breaker. */
export interface HistoryPoint {
  t: number;
  failureRate: Record<string, number>;
  slowCallRate: Record<string, number>;
}

interface Subscriber {
  client: FeedClient;
  blocked: boolean;
}

/**
 * The live feed of one instance (Hystrix's stream is the model): while at least one page is
 * open, every second it builds one update, encodes it once, and writes the same bytes to every
 * page, however many there are. Nothing runs while no page is open.
 */
export class DashboardFeed {
  private readonly subscribers = new Set<Subscriber>();
  private readonly view: FleetView;
  private readonly history: HistoryPoint[] = [];
  private timer: NodeJS.Timeout | undefined;
  private building = false;
  private lastFrame: string | undefined;
  private lastWriteAt = 0;
  private id = 0;
  private seq = 0;
  /** Builds so far: one per tick whatever the number of pages (the test checks it). */
  builds = 0;

  constructor(
    private readonly gateway: Gateway,
    private readonly reports: InstanceReports,
    private readonly pendingReview: PendingReviewAge,
  ) {
    this.view = new FleetView(gateway.config.instanceId);
  }

  get pages(): number {
    return this.subscribers.size;
  }

  /** Adds a page: it gets the reconnect delay, the charts' history and the last update at once. Returns its removal. */
  subscribe(client: FeedClient): () => void {
    const s: Subscriber = { client, blocked: false };
    this.subscribers.add(s);
    this.send(s, sseRetry(RECONNECT_MS) + sseEvent('history', this.id, this.history) + (this.lastFrame ?? ''));
    if (this.timer === undefined) {
      this.timer = setInterval(() => void this.tick(), UPDATE_INTERVAL_MS);
      void this.tick();
    }
    return () => {
      this.subscribers.delete(s);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Ends every page's stream (at shutdown: an open stream would keep the server from closing). */
  close(): void {
    this.stop();
    for (const s of this.subscribers) s.client.end();
    this.subscribers.clear();
  }

  private async tick(): Promise<void> {
    if (this.building) return this.heartbeatIfQuiet();
    this.building = true;
    try {
      const update = await this.build();
      this.remember(update);
      this.builds += 1;
      this.lastFrame = sseEvent('update', ++this.id, update);
      this.broadcast(this.lastFrame);
    } catch {
      this.heartbeatIfQuiet();
    } finally {
      this.building = false;
    }
  }

  private async build(): Promise<DashboardUpdate> {
    const g = this.gateway;
    const own = await buildInstanceReport(g, ++this.seq);
    // Each source on its own: Redis gone leaves this instance's own view, which is the point.
    const [others, queues, pending] = await Promise.all([
      this.reports.readAll().catch((): InstanceReport[] => []),
      g.jobs.queueCounts().then(
        (qs) => qs.map((q) => ({ name: q.name, waiting: q.waiting, active: q.active, delayed: q.delayed, failed: q.failed, deadLetter: q.deadLetter })),
        () => null,
      ),
      this.pendingReview.read().catch(() => null),
    ]);
    return this.view.build(Date.now(), own, others, { degradation: degradation(g.policies.fleet), queues, pendingReview: pending });
  }

  private remember(u: DashboardUpdate): void {
    const failureRate: Record<string, number> = {};
    const slowCallRate: Record<string, number> = {};
    for (const b of u.breakers) {
      failureRate[b.name] = b.failureRate;
      slowCallRate[b.name] = b.slowCallRate;
    }
    this.history.push({ t: u.t, failureRate, slowCallRate });
    if (this.history.length > HISTORY_POINTS) this.history.splice(0, this.history.length - HISTORY_POINTS);
  }

  private heartbeatIfQuiet(): void {
    if (Date.now() - this.lastWriteAt >= HEARTBEAT_MS) this.broadcast(sseHeartbeat());
  }

  private broadcast(frame: string): void {
    this.lastWriteAt = Date.now();
    for (const s of this.subscribers) if (!s.blocked) this.send(s, frame);
  }

  private send(s: Subscriber, frame: string): void {
    if (s.client.write(frame)) return;
    s.blocked = true;
    s.client.once('drain', () => (s.blocked = false));
  }
}
