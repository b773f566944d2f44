// Builds payment-api instances' job machinery for the tests in test/jobs: a real Gateway (real
// Redis, the real PaymentStore, policies and HTTP client) against an in-process simulator, with
// its own BullJobs so that tests can shorten the queue table's backoffs.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { startSimulator, type RunningSimulator } from '../../../apps/downstream-sim/src/simulator';
import { loadAppConfig, type AppConfig } from '../../../apps/payment-api/src/config/app-config';
import { Gateway } from '../../../apps/payment-api/src/gateway';
import { BullJobs } from '../../../apps/payment-api/src/jobs/bull-jobs';
import type { AuditExportLine } from '../../../apps/payment-api/src/jobs/audit-export-file';
import type { DeadLetterData, JobData } from '../../../apps/payment-api/src/jobs/job-data';
import { bullPrefix, deadLetterName, type QueueName, type QueueOverrides } from '../../../apps/payment-api/src/jobs/queue-table';
import { PaymentMetrics } from '../../../apps/payment-api/src/metrics/payment-metrics';
import { deleteKeysByPrefix, redisUrl, uniquePrefix } from '../../support/redis-server';

export interface JobsInstance {
  config: AppConfig;
  gateway: Gateway;
  jobs: BullJobs;
  metrics: PaymentMetrics;
  close(): Promise<void>;
}

export interface InstanceOptions {
  sim: RunningSimulator;
  keyPrefix: string;
  auditFile: string;
  env?: Record<string, string>;
  queues?: QueueOverrides;
  /** Start the workers (default true); false gives an instance that only enqueues. */
  workers?: boolean;
}

/** The environment of an instance, as the fixture process gets it too. */
export function instanceEnv(o: Pick<InstanceOptions, 'sim' | 'keyPrefix' | 'auditFile' | 'env'>): Record<string, string> {
  return { PORT: '0', SIM_URL: o.sim.url, REDIS_URL: redisUrl(), KEY_PREFIX: o.keyPrefix, AUDIT_EXPORT_FILE: o.auditFile, ADMIN_TOKEN: '', ...o.env };
}

export async function startInstance(o: InstanceOptions): Promise<JobsInstance> {
  const config = loadAppConfig({ ...process.env, ...instanceEnv(o) });
  const gateway = new Gateway(config);
  // Its own registry: the gateway's own (unstarted) BullJobs registered the queue metrics on the gateway's.
  const metrics = new PaymentMetrics(config.instanceId);
  const jobs = new BullJobs({ config, redis: gateway.redis, store: gateway.store, providers: gateway.providers, policies: gateway.policies, http: gateway.http, metrics, queues: o.queues });
  await gateway.policies.fleet.ready();
  if (o.workers !== false) await jobs.start();
  return {
    config,
    gateway,
    jobs,
    metrics,
    async close() {
      await jobs.close();
      await gateway.close();
    },
  };
}

/** A scenario's world: simulator, key prefix, audit file; `cleanup` removes all of it. */
export interface World {
  sim: RunningSimulator;
  keyPrefix: string;
  dir: string;
  auditFile: string;
  redis: Redis;
  cleanup(): Promise<void>;
}

export async function createWorld(label: string): Promise<World> {
  const sim = await startSimulator({ port: 0 });
  const dir = await mkdtemp(join(tmpdir(), `breakwater-${label}-`));
  const keyPrefix = uniquePrefix(label);
  const redis = new Redis(redisUrl(), { maxRetriesPerRequest: null });
  return {
    sim,
    keyPrefix,
    dir,
    auditFile: join(dir, 'nested', 'audit-export.jsonl'),
    redis,
    async cleanup() {
      await deleteKeysByPrefix(redisUrl(), keyPrefix);
      redis.disconnect();
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A BullMQ handle on one queue or dead-letter queue of a world, for looking at jobs directly. */
export function openQueue<T extends JobData | DeadLetterData>(world: World, name: QueueName, deadLetter = false): Queue<T> {
  return new Queue<T>(deadLetter ? deadLetterName(name) : name, { connection: world.redis, prefix: bullPrefix(world.keyPrefix, name) });
}

export interface Delivery {
  idempotencyKey: string;
  at: string;
  message: Record<string, unknown>;
}

export async function deliveries(sim: RunningSimulator, service: 'notify-email' | 'notify-sms' | 'notify-push'): Promise<Delivery[]> {
  const response = await fetch(`${sim.url}/_deliveries`);
  const body = (await response.json()) as Record<string, Delivery[]>;
  return body[service] ?? [];
}

export async function requestsTo(sim: RunningSimulator, service: string): Promise<number> {
  const response = await fetch(`${sim.url}/_stats`);
  const body = (await response.json()) as Record<string, { requests: number }>;
  return body[service]?.requests ?? 0;
}

export async function setFault(sim: RunningSimulator, service: string, fault: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${sim.url}/_faults/${service}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
  if (response.status !== 200) throw new Error(`PUT /_faults/${service}: ${response.status} ${await response.text()}`);
}

export async function clearFaults(sim: RunningSimulator): Promise<void> {
  await fetch(`${sim.url}/_faults`, { method: 'DELETE' });
}

export async function auditLines(file: string): Promise<AuditExportLine[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditExportLine);
}
