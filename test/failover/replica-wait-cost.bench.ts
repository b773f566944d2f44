// The cost of the replica waiting mode (REDIS_WAIT_REPLICAS=1): `npm run bench:replica-wait`.
//
// A payment's Redis writes as the gateway makes them (the Idempotency-Key claim, the record, one
// provider attempt, AUTHORIZED, the key's answer: IdempotencyKeys and PaymentStore themselves), on
// a master with one replica (redis-server processes started here), the mode off and then on;
// serially (the latency one request adds) and 32 at a time (what a busy instance's shared
// connection sees: WAIT holds that connection until the replica answers). No HTTP, no provider:
// only what the mode changes. Prints the machine's load average; docs/benchmarks.md has the runs.
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { createRedisConnection, readReplicaWaitSettings, type RedisConnection } from '@breakwater/redis-store';
import { IdempotencyKeys } from '../../apps/payment-api/src/payments/idempotency-keys';
import { PaymentStatus } from '../../apps/payment-api/src/payments/payment';
import { PaymentStore } from '../../apps/payment-api/src/payments/payment-store';
import { redisCli } from '../support/redis-cluster';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server';
import { waitFor } from '../support/wait-for';

const PREFIX = 'bench:replica-wait:';
const SERIAL_PAYMENTS = 500;
const CONCURRENT_PAYMENTS = 3_000;
const WIDTH = 32;
const LEASE_MS = 10_000;

interface Subject {
  keys: IdempotencyKeys;
  store: PaymentStore;
}

/** One pair of stores per setting, read as the app reads REDIS_WAIT_* (AppConfig.replicaWait). */
function subject(redis: RedisConnection, replicas: string): Subject {
  const wait = readReplicaWaitSettings({ REDIS_WAIT_REPLICAS: replicas, REDIS_WAIT_TIMEOUT_MS: '500' });
  return { keys: new IdempotencyKeys(redis, PREFIX, wait), store: new PaymentStore(redis, PREFIX, 0, wait) };
}

async function payment(s: Subject): Promise<void> {
  const id = randomUUID();
  const claim = await s.keys.claim(randomUUID(), 'hash', id, LEASE_MS);
  if (claim.kind !== 'new') throw new Error(`unexpected claim ${claim.kind}`);
  await s.store.create(id, { id, amount: '1299', currency: 'EUR', customerId: 'c-1', items: '[]', notify: '{}' });
  const attempts = await s.store.recordAttempt(id, 'provider-a', {});
  await s.store.transition(id, PaymentStatus.AUTHORIZED, { provider: 'provider-a', chargeId: 'ch_1' }, 'charged by provider-a', { ifAttempts: attempts });
  await s.keys.complete(claim.held, { status: 201, body: { id } });
}

async function serialMs(s: Subject): Promise<number[]> {
  const took: number[] = [];
  for (let i = 0; i < SERIAL_PAYMENTS; i++) {
    const start = performance.now();
    await payment(s);
    took.push(performance.now() - start);
  }
  return took.sort((a, b) => a - b);
}

async function perSecond(s: Subject): Promise<number> {
  const start = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next++ < CONCURRENT_PAYMENTS) await payment(s);
  };
  await Promise.all(Array.from({ length: WIDTH }, worker));
  return (CONCURRENT_PAYMENTS * 1000) / (performance.now() - start);
}

const pct = (sorted: number[], p: number): string => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(2);

async function main(): Promise<void> {
  console.log(`load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const servers: RedisServerHandle[] = [];
  let redis: RedisConnection | undefined;
  try {
    const master = await startRedisServer();
    servers.push(master);
    const replica = await startRedisServer({ extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] });
    servers.push(replica);
    await waitFor(async () => /master_link_status:up/.test(await redisCli(replica.port, 'info', 'replication')), { timeoutMs: 10_000, description: 'the replica in sync' });
    redis = createRedisConnection(master.url, 'data');
    await waitFor(() => redis?.status === 'ready', { timeoutMs: 5_000, description: 'the data connection' });
    const off = subject(redis, '0');
    const on = subject(redis, '1');
    await serialMs(off); // warm-up: scripts loaded, JIT
    for (const [name, s] of [['off', off], ['on (WAIT 1)', on]] as const) {
      const took = await serialMs(s);
      const rate = await perSecond(s);
      console.log(`mode ${name}: one at a time p50 ${pct(took, 50)} ms, p95 ${pct(took, 95)} ms, p99 ${pct(took, 99)} ms per payment's writes; ${WIDTH} at a time ${rate.toFixed(0)} payments/s`);
    }
    console.log(`load average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    redis?.disconnect();
    await Promise.all(servers.map((s) => s.cleanup()));
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
