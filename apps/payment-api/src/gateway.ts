import { ReadThroughCache, type Disposable } from '@breakwater/resilience';
import { RedisCacheStore } from '@breakwater/redis-store';
import type { AppConfig } from './config/app-config';
import { PROVIDERS, type ProviderName } from './config/downstream-config';
import { degradation } from './degradation/degradation';
import { BreakwaterRegistry } from '@breakwater/nestjs';
import { breakwaterOptions, type DownstreamPolicies } from './downstreams/downstream-policies';
import { HttpClient } from './downstreams/http-client';
import { FraudCheck } from './fraud/fraud-check';
import { RulesScorer } from './fraud/rules-scorer';
import { RedisConnections } from './infra/redis-connections';
import { InventoryCheck } from './inventory/inventory-check';
import { BullJobs } from './jobs/bull-jobs';
import { logActivity } from './logging/activity-log';
import { OperatorLog } from './logging/operator-log';
import { PaymentMetrics } from './metrics/payment-metrics';
import { IdempotencyKeys } from './payments/idempotency-keys';
import { PaymentFlow } from './payments/payment-flow';
import { PaymentStore } from './payments/payment-store';
import { AbandonedPaymentSweeper } from './payments/abandoned-payment-sweeper';
import { PendingReviewAge } from './metrics/pending-review-age';
import { UnsettledPayments } from './payments/unsettled-payments';
import { QueueLock } from './jobs/queue-lock';
import { ProviderCharge } from './providers/provider-charge';
import { createPolicyTelemetry } from './telemetry/policy-telemetry';
import { shutdownTracing } from './telemetry/tracing-shutdown';

/** Stock levels are fresh for 5 s and may be served stale for 10 minutes when inventory fails. */
export const INVENTORY_FRESH_MS = 5_000;
export const INVENTORY_STALE_MS = 10 * 60_000;

/** Parts built outside the gateway (by BreakwaterModule and the app module), which it then does not close. */
export interface GatewayParts {
  /** The breakers and policy chains, made from `breakwaterOptions(config, telemetry)`. */
  policies?: BreakwaterRegistry;
  /** The instance's metrics; given with `policies`, the one their telemetry writes to. */
  metrics?: PaymentMetrics;
}

/**
 * The composition root: every part of one payment-api instance, built from its configuration.
 * In the app, BreakwaterModule owns the breakers and policy chains (and closes them after the
 * gateway); alone (tests, workers) the gateway builds and closes its own.
 */
export class Gateway {
  readonly redis: RedisConnections;
  readonly http: HttpClient;
  readonly policies: DownstreamPolicies;
  readonly metrics: PaymentMetrics;
  readonly store: PaymentStore;
  readonly providers: ProviderCharge;
  readonly jobs: BullJobs;
  readonly flow: PaymentFlow;
  /** Recovers payments whose request died and whose client never came back; started by start(). */
  readonly sweeper: AbandonedPaymentSweeper;
  /** The PENDING_REVIEW payments and the oldest one's age, on /metrics (alerts) and the dashboard. */
  readonly pendingReview: PendingReviewAge;
  /** What an operator watching this instance's stderr reads. */
  readonly log: OperatorLog;
  private activity: Disposable | undefined;
  private readonly observed: Disposable[] = [];
  private readonly ownsPolicies: boolean;

  constructor(
    readonly config: AppConfig,
    parts: GatewayParts = {},
  ) {
    this.log = new OperatorLog(config.logLevel, { instance: config.instanceId });
    this.redis = new RedisConnections(config.redisUrl);
    this.http = new HttpClient(config.simUrl, undefined, config.downstreamAnswerMaxBytes);
    this.metrics = parts.metrics ?? new PaymentMetrics(config.instanceId);
    this.ownsPolicies = parts.policies === undefined;
    this.policies = parts.policies ?? new BreakwaterRegistry(breakwaterOptions(config, createPolicyTelemetry(this.metrics.registry, config.tracing)));
    this.store = new PaymentStore(this.redis.data, config.keyPrefix, config.paymentRetentionMs, config.replicaWait);
    const chains = Object.fromEntries(PROVIDERS.map((p) => [p, this.policies.chain(p)])) as Record<ProviderName, ReturnType<DownstreamPolicies['chain']>>;
    this.providers = new ProviderCharge(this.http, chains);
    this.jobs = new BullJobs({ config, redis: this.redis, store: this.store, providers: this.providers, policies: this.policies, http: this.http, metrics: this.metrics });
    const inventoryCache = new ReadThroughCache<{ sku: string; available: number }>('inventory', new RedisCacheStore({ redis: this.policies.redis, keyPrefix: config.keyPrefix, cache: 'inventory' }), {
      freshMs: INVENTORY_FRESH_MS,
      staleMs: INVENTORY_STALE_MS,
    });
    const observer = this.policies.telemetry?.observer;
    if (observer !== undefined) this.observed.push(observer.cache(inventoryCache));
    const unsettled = new UnsettledPayments(this.redis.data, config.keyPrefix);
    this.flow = new PaymentFlow({
      store: this.store,
      keys: new IdempotencyKeys(this.redis.data, config.keyPrefix, config.replicaWait),
      unsettled,
      fraud: new FraudCheck(this.http, this.policies.chain('fraud'), new RulesScorer(this.redis.data, config.keyPrefix)),
      inventory: new InventoryCheck(this.http, this.policies.chain('inventory'), inventoryCache, config.inventoryFallback),
      providers: this.providers,
      metrics: this.metrics,
      deadlineMs: config.paymentDeadlineMs,
      leaseMs: config.paymentLeaseMs,
      degradation: () => degradation(this.policies.fleet),
    });
    this.pendingReview = new PendingReviewAge(this.redis.data, config.keyPrefix);
    this.pendingReview.register(this.metrics.registry);
    this.sweeper = new AbandonedPaymentSweeper({
      flow: this.flow,
      store: this.store,
      unsettled,
      lock: new QueueLock(this.redis.data, `${config.keyPrefix}pay:sweep-lock`),
      leaseMs: config.paymentLeaseMs,
    });
  }

  async start(): Promise<void> {
    // BreakwaterModule has waited for its registry already; a second wait would double a Redis outage's delay.
    if (this.ownsPolicies) await this.policies.ready();
    // Only now: every fleet starts deciding alone until Redis first answers, and that is no news.
    this.activity = logActivity(this.log, { breakers: this.policies.fleet.list(), fleet: this.policies.fleet, jobs: this.jobs });
    await this.jobs.start();
    this.sweeper.start();
  }

  async close(): Promise<void> {
    this.activity?.dispose();
    await this.sweeper.stop();
    await this.jobs.close();
    await this.pendingReview.close();
    // The module's own (BreakwaterModule closes it after this, flushing what the jobs recorded).
    if (this.ownsPolicies) await this.policies.close();
    await this.http.close();
    await this.redis.close();
    for (const o of this.observed.splice(0)) o.dispose();
    await shutdownTracing();
  }
}
