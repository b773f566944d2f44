import type { Disposable } from '@breakwater/resilience';
import type { Gateway } from '../gateway';
import { buildInstanceReport } from './instance-report';
import type { InstanceReports } from './instance-reports';

/** Reports go out this often; a breaker transition or mode switch goes out at once. */
export const REPORT_INTERVAL_MS = 1_000;

/**
 * Publishes this instance's report to Redis every second, and at once when one of its breakers
 * changes state or it switches mode, so a dashboard on another instance sees a trip within a
 * tick. While Redis is unreachable the writes fail quietly: the instance is in local mode, and
 * its report going stale is how other instances' dashboards show it.
 */
export class ReportPublisher {
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private publishing: Promise<void> | undefined;
  private again = false;
  private readonly subscriptions: Disposable[] = [];

  constructor(
    private readonly gateway: Gateway,
    private readonly reports: InstanceReports,
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.publishSoon(), REPORT_INTERVAL_MS);
    this.timer.unref();
    for (const breaker of this.gateway.policies.fleet.list()) this.subscriptions.push(breaker.onStateChange(() => this.publishSoon()));
    this.subscriptions.push(this.gateway.policies.fleet.onModeChange(() => this.publishSoon()));
    this.publishSoon();
  }

  /** One write at a time; a request during one is served by one more write right after it. */
  private publishSoon(): void {
    if (this.publishing !== undefined) {
      this.again = true;
      return;
    }
    this.publishing = buildInstanceReport(this.gateway, ++this.seq)
      .then((report) => this.reports.publish(report))
      .catch(() => undefined)
      .finally(() => {
        this.publishing = undefined;
        if (this.again && this.timer !== undefined) {
          this.again = false;
          this.publishSoon();
        }
      });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const s of this.subscriptions.splice(0)) s.dispose();
    await this.publishing;
  }
}
