// The bare gateway: the visible work of POST /payments with no resilience at all, for
// bench/gateway.bench.ts to measure Breakwater against, side by side (issue 14). Per payment:
// the Idempotency-Key claimed in Redis (one SET NX GET), a fraud score, a stock read per item, one
// charge at provider-a (the payment id as its idempotency key), the record with its audit entry
// and the key's answer in one MULTI (the second and last Redis round trip), then, after the
// answer, an email notification and the audit entry appended to a file (one write and one
// fdatasync per batch of lines). No breaker, retry, timeout policy, fallback, outbox, queue or
// recovery: a request that fails is a 502, a crash loses what was not written yet.
//
// Run by bench/baseline/baseline-fleet.ts, one process per instance:
//   PORT HOST REDIS_URL SIM_URL AUDIT_EXPORT_FILE INSTANCE_ID
// It prints `API READY {"url"}` once it listens.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Redis from 'ioredis';
import { Pool } from 'undici';
import { FileBatcher } from './file-batcher';
import { parsePayment, type BarePayment } from './bare-payment';

const PORT = Number(process.env.PORT ?? 3101);
const HOST = process.env.HOST ?? '127.0.0.1';
const INSTANCE_ID = process.env.INSTANCE_ID ?? `bare-${process.pid}`;
const KEY_TTL_MS = 24 * 60 * 60 * 1000;
/** The audit stream is capped: the bare gateway keeps no more than this many entries. */
const AUDIT_STREAM_MAXLEN = 100_000;
const MAX_BODY_BYTES = 64 * 1024;

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const sim = new Pool(process.env.SIM_URL ?? 'http://127.0.0.1:4000', { connections: 128, keepAliveTimeout: 30_000 });
const auditFile = new FileBatcher(process.env.AUDIT_EXPORT_FILE ?? 'bare-audit-export.jsonl');
/** Email notifications sent and not answered yet: the bare gateway's notification backlog. */
let notificationsInFlight = 0;

async function simCall(method: 'GET' | 'POST', path: string, body?: unknown, key?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  if (key !== undefined) headers['idempotency-key'] = key;
  const response = await sim.request({ method, path, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await response.body.json()) as Record<string, unknown>;
  return { status: response.statusCode, json };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-instance-id': INSTANCE_ID });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function pay(clientKey: string, p: BarePayment, raw: string): Promise<{ status: number; body: unknown }> {
  const id = randomUUID();
  const keyName = `bare:idem:${clientKey}`;
  // Round trip 1: the claim. An existing key answers with what it holds.
  const earlier = await redis.set(keyName, JSON.stringify({ pending: id, raw }), 'PX', KEY_TTL_MS, 'NX', 'GET');
  if (earlier !== null) {
    const held = JSON.parse(earlier) as { raw: string; answer?: unknown };
    if (held.raw !== raw) return { status: 409, body: { error: 'IDEMPOTENCY_KEY_REUSED' } };
    return held.answer === undefined ? { status: 409, body: { error: 'IDEMPOTENCY_KEY_IN_USE' } } : { status: 200, body: held.answer };
  }
  const fraud = await simCall('POST', '/fraud/score', { customerId: p.customerId, amount: p.amount, currency: p.currency });
  const score = Number(fraud.json.score);
  for (const item of p.items) await simCall('GET', `/inventory/${encodeURIComponent(item.sku)}`);
  const charge = await simCall('POST', '/providers/a/charges', { amount: p.amount, currency: p.currency, token: p.token }, id);
  const status = charge.status === 201 || charge.status === 200 ? (charge.json.status === 'CHARGED' ? 'AUTHORIZED' : 'DECLINED') : 'FAILED';
  const answer = { id, status, provider: 'provider-a', fraud: { score, mode: 'service' }, degraded: [] };
  const at = Date.now();
  const audit = { paymentId: id, type: `payment.${status.toLowerCase()}`, status, at: String(at) };
  // Round trip 2: the record, its audit entry and the key's answer together.
  const replies = await redis
    .multi()
    .hset(`bare:pay:${id}`, { id, status, amount: String(p.amount), currency: p.currency, customerId: p.customerId, provider: 'provider-a', chargeId: String(charge.json.chargeId ?? ''), createdAt: String(at) })
    .xadd('bare:audit', 'MAXLEN', '~', String(AUDIT_STREAM_MAXLEN), '*', ...Object.entries(audit).flat())
    .set(keyName, JSON.stringify({ raw, answer }), 'PX', KEY_TTL_MS)
    .exec();
  const auditId = String(replies?.[1]?.[1] ?? '');
  // After the answer, as the follow-ups would be: the notification and the audit file.
  setImmediate(() => {
    if (status === 'AUTHORIZED' && p.email !== undefined) notify(id, p.email, p.amount, p.currency);
    auditFile.append(`${JSON.stringify({ auditId, ...audit, at })}\n`);
  });
  return { status: 201, body: answer };
}

function notify(id: string, to: string, amount: number, currency: string): void {
  notificationsInFlight++;
  simCall('POST', '/notify/email', { to, template: 'payment.authorized', paymentId: id, status: 'AUTHORIZED', amount, currency }, `${id}-email`)
    .catch(() => undefined) // no retry: the bare gateway loses a notification that failed
    .finally(() => notificationsInFlight--);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && (path === '/health/ready' || path === '/health/live')) return send(res, 200, { status: 'ok' });
  if (req.method === 'GET' && path === '/queues') {
    return send(res, 200, {
      queues: [
        { name: 'notify-email', waiting: 0, active: notificationsInFlight },
        { name: 'audit-export', waiting: auditFile.queued(), active: auditFile.writing() },
      ],
    });
  }
  if (req.method !== 'POST' || path !== '/payments') return send(res, 404, { error: 'NOT_FOUND' });
  const clientKey = req.headers['idempotency-key'];
  const raw = await readBody(req);
  const parsed = parsePayment(raw);
  if (typeof clientKey !== 'string' || clientKey === '' || parsed === undefined) return send(res, 400, { error: 'INVALID_REQUEST' });
  const { status, body } = await pay(clientKey, parsed, raw);
  send(res, status, body);
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    if (!res.headersSent) send(res, 502, { error: 'FAILED', message: error instanceof Error ? error.message : String(error) });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(PORT, HOST, () => process.stdout.write(`API READY ${JSON.stringify({ url: `http://${HOST}:${PORT}` })}\n`));

const stop = (): void => {
  server.close();
  void Promise.allSettled([auditFile.close(), sim.close(), redis.quit()]).then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
