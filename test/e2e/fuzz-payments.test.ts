// Given a fleet of two payment-api instances with healthy downstreams, when a few thousand hostile
// requests (mutated bodies, hostile Idempotency-Keys and content types, truncated JSON, huge
// fields, raw bytes, hostile payment ids in paths) arrive over raw sockets with bounded
// concurrency, interleaved with good payments, then no hostile request is answered 5xx, no
// instance exits or logs an unexpected error, every good payment is 201 AUTHORIZED, and no
// breaker opened (issue 13: a client's request never hurts another or trips a breaker).
// Fixed seed: the same requests every run; the first 5xx found is printed with its request.
import { createConnection } from 'node:net';
import fc from 'fast-check';
import { breakers, newKey, paymentBody, postPayment } from './support/http-clients';
import { PaymentStack, STACK_START_TIMEOUT_MS, STACK_STOP_TIMEOUT_MS } from './support/payment-stack';
import { hostileString, mutate, mutation, validBody } from '../support/payment-arbitraries';

const SEED = 1313;
const HOSTILE_REQUESTS = 4_000;
/** One good payment after every GOOD_EVERY hostile requests. */
const GOOD_EVERY = 25;
const CONCURRENCY = 8;
const EXCHANGE_TIMEOUT_MS = 15_000;

interface RawRequest {
  kind: string;
  method: 'POST' | 'GET';
  path: string;
  /** Header lines after Host and Connection, sent as given (bytes of a string as latin1 when `latin1`). */
  headers: string[];
  latin1?: boolean;
  body: Buffer;
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');
const goodBody = (): Buffer => json(paymentBody());

/** The hostile requests, drawn from fast-check with a fixed seed. */
function hostileRequests(): RawRequest[] {
  const key = fc.nat().map((n) => `fuzz-${n}`);
  const post = (kind: string, headers: string[], body: Buffer, latin1 = false): RawRequest => ({ kind, method: 'POST', path: '/payments', headers, body, latin1 });
  const jsonType = 'Content-Type: application/json';
  const request: fc.Arbitrary<RawRequest> = fc.oneof(
    // a valid body with one to three fields replaced, removed or added
    {
      weight: 8,
      arbitrary: fc.tuple(validBody, fc.array(mutation, { minLength: 1, maxLength: 3 }), key).map(([body, ms, k]) =>
        post('mutated body', [jsonType, `Idempotency-Key: ${k}`], json(ms.reduce<Record<string, unknown>>((b, m) => mutate(b as never, m), body as never))),
      ),
    },
    // a hostile Idempotency-Key (any bytes but a line break), missing, or twice
    {
      weight: 2,
      arbitrary: fc.tuple(hostileString, fc.constantFrom('utf8', 'latin1', 'missing', 'twice')).map(([k, how]) => {
        const value = k.replace(/[\r\n]/g, '').slice(0, 9_000);
        const keyLines = how === 'missing' ? [] : how === 'twice' ? [`Idempotency-Key: ${newKey()}`, `Idempotency-Key: ${value}`] : [`Idempotency-Key: ${value}`];
        return post(`key (${how})`, [jsonType, ...keyLines], goodBody(), how === 'latin1');
      }),
    },
    // a content type other than JSON, or JSON with odd parameters
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.oneof(fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'APPLICATION/JSON', 'application/json;', 'application/jsonx', 'application/problem+json', '*/*', ''), hostileString.map((s) => s.replace(/[\r\n]/g, '').slice(0, 200))), key)
        .map(([type, k]) => post('content type', [`Content-Type: ${type}`, `Idempotency-Key: ${k}`], goodBody())),
    },
    // JSON cut short, or a valid body followed by more bytes
    {
      weight: 2,
      arbitrary: fc.tuple(validBody, fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean(), key).map(([body, at, extra, k]) => {
        const text = JSON.stringify(body);
        return post('truncated json', [jsonType, `Idempotency-Key: ${k}`], Buffer.from(extra ? `${text}${text.slice(0, 10)}` : text.slice(0, Math.floor(at * text.length)), 'utf8'));
      }),
    },
    // any bytes as a JSON body (invalid UTF-8 included)
    { weight: 1, arbitrary: fc.tuple(fc.uint8Array({ maxLength: 300 }), key).map(([bytes, k]) => post('raw bytes', [jsonType, `Idempotency-Key: ${k}`], Buffer.from(bytes))) },
    // a field past its limit, some past the 64 KiB body limit
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('customerId', 'currency', 'notify', 'items'), fc.integer({ min: 1_000, max: 80_000 }), key).map(([field, n, k]) => {
        const huge = field === 'items' ? Array.from({ length: Math.ceil(n / 30) }, () => ({ sku: 'sku-1', qty: 1 })) : field === 'notify' ? { email: `${'a'.repeat(n)}@b.c` } : 'x'.repeat(n);
        return post('huge field', [jsonType, `Idempotency-Key: ${k}`], json({ ...paymentBody(), [field]: huge }));
      }),
    },
    // a payment id that is not one, on the payment and on its audit
    {
      weight: 2,
      arbitrary: fc.tuple(hostileString, fc.boolean(), fc.boolean()).map(([id, audit, encode]) => {
        const segment = encode ? encodeURIComponent(id.replace(/[\ud800-\udfff]/g, '')).slice(0, 4_000) || '%ED%A0%80' : id.replace(/[\s\u0000-\u001f\u007f?#/]/g, '').slice(0, 4_000) || 'x';
        return { kind: 'payment id', method: 'GET' as const, path: `/payments/${segment}${audit ? '/audit' : ''}`, headers: [], body: Buffer.alloc(0), latin1: !encode };
      }),
    },
  );
  return fc.sample(request, { seed: SEED, numRuns: HOSTILE_REQUESTS });
}

/** A request, shortened, for a failure message. */
const summarize = (r: RawRequest): string => `${r.method} ${r.path.slice(0, 200)} [${r.headers.map((h) => h.slice(0, 120)).join(' | ')}] ${r.body.length} bytes: ${r.body.toString('utf8').slice(0, 300)}`;

interface Exchange {
  status: number | undefined;
  head: string;
  error?: string;
}

/** One request over its own socket (Connection: close); the status line of the answer, if any. */
function exchange(url: string, r: RawRequest): Promise<Exchange> {
  const { hostname, port } = new URL(url);
  const headerText = [`${r.method} ${r.path} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close', ...r.headers, ...(r.method === 'POST' ? [`Content-Length: ${r.body.length}`] : []), '', ''].join('\r\n');
  const head = Buffer.from(headerText, r.latin1 === true ? 'latin1' : 'utf8');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    const socket = createConnection({ host: hostname, port: Number(port) });
    const timer = setTimeout(() => {
      error = `no answer within ${EXCHANGE_TIMEOUT_MS} ms`;
      socket.destroy();
    }, EXCHANGE_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (e) => {
      error ??= e.message;
    });
    socket.once('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
      resolve({ status: status === undefined ? undefined : Number(status), head: text.slice(0, 600), ...(error === undefined ? {} : { error }) });
    });
    // No half-close: the server closes once it has answered (Connection: close), as it would for a real client.
    socket.once('connect', () => socket.write(Buffer.concat([head, r.body])));
  });
}

describe('a bounded fuzz run against two instances', () => {
  const stack = new PaymentStack({ label: 'fuzz', instances: 2 });
  beforeAll(() => stack.start(), STACK_START_TIMEOUT_MS);
  afterAll(() => stack.stop(), STACK_STOP_TIMEOUT_MS);

  it(
    `${HOSTILE_REQUESTS} hostile requests: no 5xx, no instance lost, good payments all succeed, no breaker opened`,
    stack.scenario(async () => {
      const hostile = hostileRequests();
      type Task = { hostile: RawRequest } | { good: true };
      const tasks: Task[] = hostile.flatMap((h, i) => (i % GOOD_EVERY === 0 ? [{ good: true } as const, { hostile: h }] : [{ hostile: h }]));
      const byStatus = new Map<string, number>();
      const serverErrors: { request: string; answer: string }[] = [];
      const unanswered: { kind: string; error: string; request: string }[] = [];
      const badGood: string[] = [];
      let next = 0;
      const worker = async (w: number): Promise<void> => {
        for (let i = next++; i < tasks.length; i = next++) {
          const task = tasks[i] as Task;
          const url = stack.url(i + w);
          if ('good' in task) {
            const reply = await postPayment(url, paymentBody());
            if (reply.status !== 201 || reply.body.status !== 'AUTHORIZED') badGood.push(`${reply.status} ${JSON.stringify(reply.body)}`);
            continue;
          }
          const r = task.hostile;
          const answer = await exchange(url, r);
          const label = `${r.kind} ${answer.status ?? 'none'}`;
          byStatus.set(label, (byStatus.get(label) ?? 0) + 1);
          if (answer.status === undefined) unanswered.push({ kind: r.kind, error: answer.error ?? 'closed without an answer', request: summarize(r) });
          else if (answer.status >= 500) serverErrors.push({ request: summarize(r), answer: answer.head });
        }
      };
      const started = performance.now();
      await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(`fuzz: ${tasks.length} requests in ${seconds} s: ${JSON.stringify(Object.fromEntries([...byStatus].sort()))}\n`);

      expect(serverErrors.slice(0, 5)).toEqual([]);
      // A body over the 64 KiB limit may be answered 413 and the socket closed before the rest is read.
      expect(unanswered.filter((u) => u.kind !== 'huge field').slice(0, 5)).toEqual([]);
      expect(badGood).toEqual([]);
      expect(stack.instances.map((i) => ({ id: i.instanceId, running: i.running }))).toEqual(stack.instances.map((i) => ({ id: i.instanceId, running: true })));
      for (const url of stack.urls) {
        const views = (await breakers(url)) as (Awaited<ReturnType<typeof breakers>>[number] & { lastTrip: unknown })[];
        expect(views.filter((b) => b.state !== 'CLOSED' || b.lastTrip !== null).map((b) => `${b.name} ${b.state}`)).toEqual([]);
      }
      // An unexpected error (anything the error filter does not know) is logged by it with its stack.
      for (const instance of stack.instances) expect(instance.stderrText).not.toMatch(/ErrorFilter/);
    }),
    120_000,
  );
});
