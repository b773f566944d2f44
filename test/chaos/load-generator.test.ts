// The open-model load generator against a stand-in server on 127.0.0.1: it keeps the arrival rate
// while answers are slow, times latency from the due time, records every answer, and ends by
// itself (or at stop()).
import { createServer, type Server } from 'node:http';
import { OpenModelLoad } from '../../chaos/load/load-generator';

let server: Server;
let url = '';
let delayMs = 0;
const keys: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const n = keys.push(String(req.headers['idempotency-key']));
    req.resume();
    setTimeout(() => {
      if (n % 10 === 0) res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"error":"UNAVAILABLE"}');
      else res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `p-${n}`, status: 'AUTHORIZED', provider: 'provider-a' }));
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  keys.length = 0;
  delayMs = 0;
});

const now = (): number => performance.now();

it('given 100/s for 1 s against a server that takes 200 ms, sends all 100 on time with unique keys and records each answer', async () => {
  delayMs = 200;
  const started = now();
  const samples = await new OpenModelLoad({ url, ratePerSecond: 100, durationMs: 1_000, keyPrefix: 'k-', connections: 64, now }).run();
  expect(now() - started).toBeLessThan(2_500);
  expect(samples).toHaveLength(100);
  expect(new Set(keys).size).toBe(100);
  expect(samples.filter((s) => s.status === 503 && s.retryAfter === '1')).toHaveLength(10);
  expect(samples.filter((s) => s.status === 201 && s.paymentStatus === 'AUTHORIZED' && s.paymentId !== undefined)).toHaveLength(90);
  for (const s of samples) expect(s.latencyMs).toBeCloseTo(s.doneAt - s.dueAt, 6);
  expect(Math.min(...samples.map((s) => s.latencyMs))).toBeGreaterThanOrEqual(195);
});

it('charges the wait for a free connection to the system: with one connection, latency grows from the due time', async () => {
  delayMs = 50;
  const samples = await new OpenModelLoad({ url, ratePerSecond: 50, durationMs: 400, keyPrefix: 'one-', connections: 1, now }).run();
  const bySeq = [...samples].sort((a, b) => a.seq - b.seq);
  expect(bySeq).toHaveLength(20);
  expect(bySeq.at(-1)?.latencyMs ?? 0).toBeGreaterThan(500); // 20 x 50 ms served one at a time, due over 400 ms
});

it('stop() ends the schedule early and resolves once the requests in flight have answered', async () => {
  delayMs = 100;
  const load = new OpenModelLoad({ url, ratePerSecond: 100, durationMs: 60_000, keyPrefix: 's-', connections: 64, now });
  const done = load.run();
  await new Promise((resolve) => setTimeout(resolve, 300));
  load.stop();
  const samples = await done;
  expect(samples.length).toBeGreaterThan(10);
  expect(samples.length).toBeLessThan(60);
  expect(samples).toHaveLength(load.sent);
});

it('refuses a URL that is not 127.0.0.1', () => {
  expect(() => new OpenModelLoad({ url: 'http://example.com', ratePerSecond: 1, durationMs: 1, keyPrefix: 'x', connections: 1, now })).toThrow(/127\.0\.0\.1 only/);
});
