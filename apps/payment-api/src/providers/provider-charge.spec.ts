import type { Policy } from '@breakwater/resilience';
import { NEVER_ABORTED } from '@breakwater/resilience';
import type { ProviderName } from '../config/downstream-config';
import { certainlyNotProcessed } from '../downstreams/downstream-errors';
import type { HttpAnswer, HttpClient } from '../downstreams/http-client';
import { ProviderCharge } from './provider-charge';

const passThrough: Policy = { execute: (call, signal) => call(signal ?? NEVER_ABORTED) };
const chains: Record<ProviderName, Policy> = { 'provider-a': passThrough, 'provider-b': passThrough, 'provider-c': passThrough };
const REQUEST = { paymentId: 'p-1', amount: 100, currency: 'EUR', token: 'tok_visa' };

const answer = (status: number, json: unknown): HttpAnswer => ({ status, json, text: JSON.stringify(json) });

/** An HttpClient answering each path from `answers`; every send is logged in `events`. */
function fakeHttp(answers: Record<string, HttpAnswer | Error>, events: string[]): HttpClient {
  return {
    send: async (_method: string, path: string) => {
      events.push(`send ${path}`);
      const a = answers[path];
      if (a instanceof Error) throw a;
      if (a === undefined) throw new Error(`no answer for ${path}`);
      return a;
    },
  } as unknown as HttpClient;
}

describe('ProviderCharge onAttempt', () => {
  it('is awaited before each provider is asked, in order, and only for the providers asked', async () => {
    const events: string[] = [];
    const http = fakeHttp({ '/providers/a/charges': answer(503, { processed: false }), '/providers/b/charges': answer(201, { status: 'CHARGED', chargeId: 'ch_1' }) }, events);
    const outcome = await new ProviderCharge(http, chains).charge(REQUEST, NEVER_ABORTED, async (p) => {
      await Promise.resolve();
      events.push(`attempt ${p}`);
    });
    expect(outcome).toEqual({ kind: 'charged', provider: 'provider-b', chargeId: 'ch_1', skipped: ['provider-a'] });
    expect(events).toEqual(['attempt provider-a', 'send /providers/a/charges', 'attempt provider-b', 'send /providers/b/charges']);
  });

  it('when it throws, that provider is not asked, no other provider is tried, and charge() throws its error', async () => {
    const events: string[] = [];
    const http = fakeHttp({ '/providers/a/charges': answer(503, { processed: false }) }, events);
    const failure = new Error('redis down');
    const charging = new ProviderCharge(http, chains).charge(REQUEST, NEVER_ABORTED, async (p) => {
      if (p === 'provider-b') throw failure;
      events.push(`attempt ${p}`);
    });
    await expect(charging).rejects.toBe(failure);
    expect(events).toEqual(['attempt provider-a', 'send /providers/a/charges']);
  });

  it('stops at an ambiguous failure: the last attempt is the provider to reconcile with', async () => {
    const attempts: ProviderName[] = [];
    const http = fakeHttp({ '/providers/a/charges': answer(502, 'bad gateway') }, []);
    const outcome = await new ProviderCharge(http, chains).charge(REQUEST, NEVER_ABORTED, async (p) => {
      attempts.push(p);
    });
    expect(outcome).toMatchObject({ kind: 'ambiguous', provider: 'provider-a' });
    expect(attempts).toEqual(['provider-a']);
  });
});

describe('ProviderCharge fences every send, retries included', () => {
  /** A chain that retries once after a "certainly not processed" failure, as the providers' retry policy does. */
  const seen: unknown[] = [];
  const retryOnce: Policy = {
    execute: async (call, signal) => {
      try {
        return await call(signal ?? NEVER_ABORTED);
      } catch (error) {
        seen.push(error);
        if (!certainlyNotProcessed(error)) throw error;
        return call(signal ?? NEVER_ABORTED);
      }
    },
  };
  const retrying: Record<ProviderName, Policy> = { 'provider-a': retryOnce, 'provider-b': retryOnce, 'provider-c': retryOnce };

  /** provider-a answers "not processed" once, then charges. */
  function flakyHttp(events: string[]): HttpClient {
    let calls = 0;
    return {
      send: async (_method: string, path: string) => {
        events.push(`send ${path}`);
        return ++calls === 1 ? answer(503, { processed: false }) : answer(201, { status: 'CHARGED', chargeId: 'ch_2' });
      },
    } as unknown as HttpClient;
  }

  beforeEach(() => {
    seen.length = 0;
  });

  it('awaits onAttempt before the retried send too, not once per provider', async () => {
    const events: string[] = [];
    const outcome = await new ProviderCharge(flakyHttp(events), retrying).charge(REQUEST, NEVER_ABORTED, async (p) => {
      events.push(`attempt ${p}`);
    });
    expect(outcome).toMatchObject({ kind: 'charged', provider: 'provider-a' });
    expect(events).toEqual(['attempt provider-a', 'send /providers/a/charges', 'attempt provider-a', 'send /providers/a/charges']);
  });

  it('when it refuses the retry (a recovery settled the payment meanwhile), nothing more is sent and charge() throws its error, which is not retried', async () => {
    const events: string[] = [];
    const refused = Object.assign(new Error('payment p-1 is PENDING_REVIEW: provider-a is not asked to charge it'), { code: 'ATTEMPT_REFUSED' });
    let attempts = 0;
    const charging = new ProviderCharge(flakyHttp(events), retrying).charge(REQUEST, NEVER_ABORTED, async (p) => {
      if (++attempts === 2) throw refused;
      events.push(`attempt ${p}`);
    });
    await expect(charging).rejects.toBe(refused);
    expect(events).toEqual(['attempt provider-a', 'send /providers/a/charges']);
  });
});

describe('ProviderCharge status (reconciliation)', () => {
  const path = '/providers/a/charges/p-1';
  const statusOf = (reply: HttpAnswer) => new ProviderCharge(fakeHttp({ [path]: reply }, []), chains).status('provider-a', 'p-1', NEVER_ABORTED);

  it("is NOT_FOUND only on the provider's own answer: 404 with status NOT_FOUND", async () => {
    await expect(statusOf(answer(404, { status: 'NOT_FOUND' }))).resolves.toBe('NOT_FOUND');
    await expect(statusOf(answer(200, { status: 'CHARGED', chargeId: 'ch_1' }))).resolves.toBe('CHARGED');
  });

  it('a 404 that is not that answer (a misrouted query, a proxy page) is an unexpected answer, never NOT_FOUND', async () => {
    await expect(statusOf(answer(404, { error: 'no such endpoint: GET /charge/p-1' }))).rejects.toMatchObject({ code: 'UNEXPECTED_ANSWER', status: 404 });
    await expect(statusOf({ status: 404, json: undefined, text: '<html>Not Found</html>' })).rejects.toMatchObject({ code: 'UNEXPECTED_ANSWER', status: 404 });
    await expect(statusOf(answer(404, { status: 'CHARGED' }))).rejects.toMatchObject({ code: 'UNEXPECTED_ANSWER' });
  });
});
