// The downstream simulator over real HTTP: honest provider idempotency, declines and status
// queries, every fault mode, validation, stats, reset and once-only notifications. Each scenario
// runs against a simulator started on a free port; most share one, reset before each test.
import { randomUUID } from 'node:crypto';
import { startSimulator, type RunningSimulator } from '../apps/downstream-sim/src/simulator';
import { waitFor } from './support/wait-for';

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

type Ledger = Record<string, { idempotencyKey: string; chargeId: string; status: string; amount: number }[]>;
type Stats = Record<string, { requests: number; failed: number }>;

const CHARGE = { amount: 1299, currency: 'EUR', token: 'tok_visa' };
const ALL_SERVICES = ['provider-a', 'provider-b', 'provider-c', 'inventory', 'fraud', 'notify-email', 'notify-sms', 'notify-push'];

let sim: RunningSimulator;

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, base: RunningSimulator = sim): Promise<Answer> {
  const text = typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body);
  const response = await fetch(`${base.url}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: text });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function charge(provider: string, key: string, body: unknown = CHARGE, base: RunningSimulator = sim): Promise<Answer> {
  return call('POST', `/providers/${provider}/charges`, body, { 'Idempotency-Key': key }, base);
}

async function ledger(base: RunningSimulator = sim): Promise<Ledger> {
  return (await call('GET', '/_ledger', undefined, {}, base)).json as unknown as Ledger;
}

async function stats(): Promise<Stats> {
  return (await call('GET', '/_stats')).json as unknown as Stats;
}

async function putFault(service: string, fault: unknown): Promise<Answer> {
  return call('PUT', `/_faults/${service}`, fault);
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(async () => {
  expect((await call('POST', '/_reset')).status).toBe(200);
});

describe('providers', () => {
  it('charges once per idempotency key: 201 first, then 200 with the same answer', async () => {
    const key = randomUUID();
    const first = await charge('a', key);
    const second = await charge('a', key);
    expect(first.status).toBe(201);
    expect(first.json).toEqual({ chargeId: expect.stringMatching(/^ch_/), status: 'CHARGED', amount: 1299, currency: 'EUR' });
    expect(second.status).toBe(200);
    expect(second.json).toEqual(first.json);
    expect((await ledger())['provider-a']).toEqual([{ idempotencyKey: key, chargeId: first.json.chargeId, amount: 1299, currency: 'EUR', status: 'CHARGED', at: expect.any(String) }]);
  });

  it('charges once when 20 requests with one key arrive together', async () => {
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 20 }, () => charge('b', key)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(19);
    expect(new Set(answers.map((a) => a.json.chargeId)).size).toBe(1);
    const entries = await ledger();
    expect(entries['provider-b']).toHaveLength(1);
    expect(entries['provider-a']).toEqual([]);
  });

  it('keeps each provider to its own ledger: one key at two providers is two charges', async () => {
    const key = randomUUID();
    await charge('a', key);
    await charge('c', key);
    const entries = await ledger();
    expect(entries['provider-a']).toHaveLength(1);
    expect(entries['provider-c']).toHaveLength(1);
    expect(entries['provider-a']?.[0]?.chargeId).not.toBe(entries['provider-c']?.[0]?.chargeId);
  });

  it('declines tok_decline with an answer, recorded as DECLINED, and repeats the decline', async () => {
    const key = randomUUID();
    const declined = await charge('a', key, { ...CHARGE, token: 'tok_decline' });
    expect(declined.status).toBe(201);
    expect(declined.json.status).toBe('DECLINED');
    expect((await charge('a', key)).json).toEqual(declined.json);
    expect((await ledger())['provider-a']).toEqual([expect.objectContaining({ idempotencyKey: key, status: 'DECLINED' })]);
  });

  it('answers the status query for reconciliation', async () => {
    const charged = randomUUID();
    const declined = randomUUID();
    await charge('a', charged);
    await charge('a', declined, { ...CHARGE, token: 'tok_decline' });
    expect(await call('GET', `/providers/a/charges/${charged}`)).toEqual({ status: 200, json: expect.objectContaining({ status: 'CHARGED', idempotencyKey: charged }) });
    expect(await call('GET', `/providers/a/charges/${declined}`)).toEqual({ status: 200, json: expect.objectContaining({ status: 'DECLINED' }) });
    expect(await call('GET', `/providers/b/charges/${charged}`)).toEqual({ status: 404, json: { status: 'NOT_FOUND' } });
  });

  it('refuses a charge without Idempotency-Key, with malformed JSON, or with bad fields, and charges nothing', async () => {
    expect((await call('POST', '/providers/a/charges', CHARGE)).status).toBe(400);
    expect((await charge('a', randomUUID(), '{"amount": 12')).status).toBe(400);
    const bad = await charge('a', randomUUID(), { amount: -1, currency: 'euro', token: '' });
    expect(bad.status).toBe(400);
    expect(String(bad.json.error)).toMatch(/amount.*currency.*token/);
    expect((await ledger())['provider-a']).toEqual([]);
  });
});

describe('inventory and fraud', () => {
  it('reports stock per sku: 100, or 0 for oos- skus', async () => {
    expect(await call('GET', '/inventory/sku-1')).toEqual({ status: 200, json: { sku: 'sku-1', available: 100 } });
    expect(await call('GET', '/inventory/oos-7')).toEqual({ status: 200, json: { sku: 'oos-7', available: 0 } });
  });

  it('scores deterministically, large amounts higher', async () => {
    const score = async (amount: number): Promise<number> => (await call('POST', '/fraud/score', { customerId: 'c-1', amount, currency: 'EUR' })).json.score as number;
    const small = await score(1_299);
    expect(await score(1_299)).toBe(small);
    const large = await score(5_000_000);
    expect(large).toBeGreaterThan(small);
    expect(large).toBeLessThanOrEqual(1);
    expect(small).toBeGreaterThanOrEqual(0);
    expect((await call('POST', '/fraud/score', { customerId: 'c-1' })).status).toBe(400);
  });
});

describe('notifications', () => {
  it('delivers once per key and channel: 202, then 200 without a second delivery', async () => {
    const key = randomUUID();
    const message = { to: 'a@example.com', template: 'payment-authorized' };
    expect(await call('POST', '/notify/email', message, { 'Idempotency-Key': key })).toEqual({ status: 202, json: { delivered: true } });
    expect(await call('POST', '/notify/email', message, { 'Idempotency-Key': key })).toEqual({ status: 200, json: { delivered: true } });
    expect((await call('POST', '/notify/sms', { to: '+100' }, { 'Idempotency-Key': key })).status).toBe(202);
    expect((await call('POST', '/notify/push', { to: 'device' })).status).toBe(400);
    const deliveries = (await call('GET', '/_deliveries')).json;
    expect(deliveries['notify-email']).toEqual([{ idempotencyKey: key, at: expect.any(String), message }]);
    expect(deliveries['notify-sms']).toHaveLength(1);
    expect(deliveries['notify-push']).toEqual([]);
  });
});

describe('faults', () => {
  it('down: 503 {processed:false} at once, charges nothing, counts a failure', async () => {
    expect((await putFault('provider-a', { mode: 'down' })).status).toBe(200);
    const { result, ms } = await timed(() => charge('a', randomUUID()));
    expect(result).toEqual({ status: 503, json: { processed: false } });
    expect(ms).toBeLessThan(100);
    expect((await ledger())['provider-a']).toEqual([]);
    expect((await stats())['provider-a']).toEqual({ requests: 1, failed: 1 });
    expect((await charge('b', randomUUID())).status).toBe(201);
  });

  it('errorRate 1 fails every request the same way; mode up heals', async () => {
    await putFault('provider-a', { errorRate: 1 });
    for (let i = 0; i < 5; i += 1) expect(await charge('a', randomUUID())).toEqual({ status: 503, json: { processed: false } });
    expect((await ledger())['provider-a']).toEqual([]);
    await putFault('provider-a', { mode: 'up' });
    expect((await charge('a', randomUUID())).status).toBe(201);
  });

  it('hang: accepts and never answers; the client gives up and nothing is left open', async () => {
    await putFault('provider-a', { mode: 'hang' });
    const key = randomUUID();
    const aborted = await fetch(`${sim.url}/providers/a/charges`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify(CHARGE),
      signal: AbortSignal.timeout(300),
    }).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    expect(aborted).toBe('TimeoutError');
    await waitFor(() => sim.openResponses() === 0, { description: 'the hung response to be released after the client left' });
    const entries = (await ledger())['provider-a'] ?? [];
    expect(entries.length).toBeLessThanOrEqual(1);
    expect(entries.every((entry) => entry.idempotencyKey === key)).toBe(true);
    expect((await stats())['provider-a']).toEqual({ requests: 1, failed: 1 });
  });

  it('hang: charges or not as the draw says, and a charge made is in the ledger', async () => {
    // random() below 0.5 processes the hung request; pinning it shows both outcomes.
    for (const [random, charges] of [
      [0, 1],
      [0.99, 0],
    ] as const) {
      const pinned = await startSimulator({ port: 0, random: () => random });
      try {
        await call('PUT', '/_faults/provider-c', { mode: 'hang' }, {}, pinned);
        const outcome = await fetch(`${pinned.url}/providers/c/charges`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'Idempotency-Key': randomUUID() },
          body: JSON.stringify(CHARGE),
          signal: AbortSignal.timeout(300),
        }).then(
          () => 'answered',
          (error: Error) => error.name,
        );
        expect(outcome).toBe('TimeoutError');
        expect((await ledger(pinned))['provider-c']).toHaveLength(charges);
      } finally {
        await pinned.close();
      }
    }
  });

  it('flap: starts down, then alternates every flapPeriodMs', async () => {
    let now = 1_000_000;
    const clocked = await startSimulator({ port: 0, now: () => now });
    try {
      await call('PUT', '/_faults/inventory', { mode: 'flap', flapPeriodMs: 100 }, {}, clocked);
      const statusAt = async (ms: number): Promise<number> => {
        now = 1_000_000 + ms;
        return (await call('GET', '/inventory/sku-1', undefined, {}, clocked)).status;
      };
      expect([await statusAt(0), await statusAt(99), await statusAt(100), await statusAt(199), await statusAt(200), await statusAt(350)]).toEqual([503, 503, 200, 200, 503, 200]);
    } finally {
      await clocked.close();
    }
  });

  it('flap: alternates on the real clock', async () => {
    await putFault('inventory', { mode: 'flap', flapPeriodMs: 150 });
    const seen: number[] = [];
    await waitFor(
      async () => {
        const status = (await call('GET', '/inventory/sku-1')).status;
        if (seen[seen.length - 1] !== status) seen.push(status);
        return seen.length >= 3;
      },
      { timeoutMs: 2_000, intervalMs: 20, description: 'inventory to go down, up and down again' },
    );
    expect(seen.slice(0, 3)).toEqual([503, 200, 503]);
  });

  it('latencyMs raises latency above the default distribution; jitterMs adds to it', async () => {
    const baseline = await timed(() => call('GET', '/inventory/sku-1'));
    expect(baseline.ms).toBeLessThan(150);
    await putFault('inventory', { latencyMs: 250 });
    const slow = await timed(() => call('GET', '/inventory/sku-1'));
    expect(slow.result.status).toBe(200);
    expect(slow.ms).toBeGreaterThanOrEqual(245);
    await putFault('inventory', { latencyMs: 100, jitterMs: 100 });
    const jittered = await Promise.all(Array.from({ length: 5 }, () => timed(() => call('GET', '/inventory/sku-1'))));
    for (const { ms } of jittered) {
      expect(ms).toBeGreaterThanOrEqual(95);
      expect(ms).toBeLessThan(400);
    }
  });

  it('validates: unknown service 404, bad values 400 with a message naming the field', async () => {
    expect((await putFault('provider-z', { mode: 'down' })).status).toBe(404);
    const cases: [unknown, RegExp][] = [
      [{ errorRate: 1.5 }, /errorRate/],
      [{ mode: 'sideways' }, /mode/],
      [{ latencyMs: -1 }, /latencyMs/],
      [{ jitterMs: 'lots' }, /jitterMs/],
      [{ flapPeriodMs: 0 }, /flapPeriodMs/],
      [{ colour: 'red' }, /unknown field "colour"/],
      [[1, 2], /JSON object/],
      ['{"mode": ', /malformed JSON/],
    ];
    for (const [body, message] of cases) {
      const answer = await putFault('fraud', body);
      expect(answer.status).toBe(400);
      expect(String(answer.json.error)).toMatch(message);
    }
    expect((await call('GET', '/_faults')).json).toEqual({});
  });

  it('shows faults, clears one or all', async () => {
    await putFault('fraud', { mode: 'down' });
    await putFault('notify-sms', { errorRate: 0.25, latencyMs: 40 });
    expect((await call('GET', '/_faults')).json).toEqual({
      fraud: expect.objectContaining({ mode: 'down', currently: 'down' }),
      'notify-sms': expect.objectContaining({ mode: 'up', errorRate: 0.25, latencyMs: 40 }),
    });
    expect((await call('DELETE', '/_faults/fraud')).json).toEqual({ 'notify-sms': expect.any(Object) });
    expect((await call('DELETE', '/_faults')).status).toBe(200);
    expect((await call('GET', '/_faults')).json).toEqual({});
  });
});

describe('stats, reset and routing', () => {
  it('counts every request a service received, including those a fault failed', async () => {
    for (let i = 0; i < 3; i += 1) await call('GET', '/inventory/sku-1');
    await putFault('inventory', { mode: 'down' });
    for (let i = 0; i < 2; i += 1) await call('GET', '/inventory/sku-1');
    await call('POST', '/notify/push', { to: 'x' }, { 'Idempotency-Key': 'k' });
    const counted = await stats();
    expect(Object.keys(counted)).toEqual(ALL_SERVICES);
    expect(counted.inventory).toEqual({ requests: 5, failed: 2 });
    expect(counted['notify-push']).toEqual({ requests: 1, failed: 0 });
    expect(counted['provider-a']).toEqual({ requests: 0, failed: 0 });
  });

  it('POST /_reset clears faults, stats, ledger and deliveries', async () => {
    await charge('a', randomUUID());
    await call('POST', '/notify/email', { to: 'a@b.c' }, { 'Idempotency-Key': 'n-1' });
    await putFault('provider-a', { mode: 'down' });
    await call('POST', '/_reset');
    expect(await ledger()).toEqual({ 'provider-a': [], 'provider-b': [], 'provider-c': [] });
    expect((await call('GET', '/_deliveries')).json).toEqual({ 'notify-email': [], 'notify-sms': [], 'notify-push': [] });
    expect((await call('GET', '/_faults')).json).toEqual({});
    expect(Object.values(await stats()).every((counts) => counts.requests === 0 && counts.failed === 0)).toBe(true);
    expect((await charge('a', randomUUID())).status).toBe(201);
  });

  it('answers health, and 404 JSON for unknown paths and endpoints', async () => {
    expect(await call('GET', '/health')).toEqual({ status: 200, json: { status: 'ok' } });
    expect((await call('GET', '/nowhere')).status).toBe(404);
    expect((await call('GET', '/providers/d/charges')).status).toBe(404);
    expect((await call('DELETE', '/providers/a/charges')).status).toBe(404);
  });
});
