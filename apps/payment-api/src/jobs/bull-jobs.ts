import type { AppConfig } from '../config/app-config';
import type { DownstreamPolicies } from '../downstreams/downstream-policies';
import type { HttpClient } from '../downstreams/http-client';
import type { RedisConnections } from '../infra/redis-connections';
import type { PaymentMetrics } from '../metrics/payment-metrics';
import type { PaymentStore } from '../payments/payment-store';
import type { ProviderCharge } from '../providers/provider-charge';
import { JobScheduler, type NotificationRequest } from './job-scheduler';
import type { ProviderName } from '../config/downstream-config';

export interface JobsDeps {
  config: AppConfig;
  redis: RedisConnections;
  store: PaymentStore;
  providers: ProviderCharge;
  policies: DownstreamPolicies;
  http: HttpClient;
  metrics: PaymentMetrics;
}

/** Counts per queue for GET /queues. */
export interface QueueCounts {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  deadLetter: number;
}

// IMPLEMENTATION IN PROGRESS (jobs helper): BullMQ queues, workers, dead-letter queues.
export class BullJobs extends JobScheduler {
  constructor(private readonly deps: JobsDeps) {
    super();
  }
  async start(): Promise<void> {
    void this.deps;
  }
  async notify(_request: NotificationRequest): Promise<void> {}
  async reconcile(_paymentId: string, _provider: ProviderName): Promise<void> {}
  async exportAudit(_paymentId: string, _auditId: string): Promise<void> {}
  async queueCounts(): Promise<QueueCounts[]> {
    return [];
  }
  async replayDeadLetters(_queue: string): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {}
}
