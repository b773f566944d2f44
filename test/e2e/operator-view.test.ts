// What an operator watching the fleet sees. Given two instances (and a third with
// LOG_LEVEL=silent) over a Redis the test may kill: an admin override is one line on the acting
// instance (who, what, result) and one transition line on every instance; payments add no lines;
// a provider that goes down in the simulator is a trip line with its reason; Redis going away and
// coming back is a local-mode line each way. GET /breakers names the instance whose view it is,
// rounds its numbers, and shows the window an OPEN breaker tripped with.
import { waitFor } from '../support/wait-for';
import { ApiProcess, PaymentStack, STACK_START_TIMEOUT_MS, STACK_STOP_TIMEOUT_MS, TEST_ENV } from './support/payment-stack';
import { breakers, breakerState, getJson, pay, paymentBody, postAdmin, postPayment, SimulatorClient, type BreakerView } from './support/http-clients';

const LINE_TIMEOUT_MS = 5_000;

/** An entry of GET /breakers, with the fields the contract leaves to us. */
interface FullBreakerView extends BreakerView {
  failureRate: number;
  instanceId: string;
  reason: string | null;
  since: string | null;
  lastTrip: { reason: string; at: string; calls: number; failures: number; slowCalls: number; failureRate: number; slowCallRate: number } | null;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the operator view of a fleet', () => {
  const stack = new PaymentStack({ label: 'oplog', instances: 2, privateRedis: true });
  let silent: ApiProcess;
  let sim: SimulatorClient;

  beforeAll(async () => {
    await stack.start();
    sim = new SimulatorClient(stack.sim.url);
    silent = new ApiProcess('oplog-api-silent', {
      ...TEST_ENV,
      PORT: '0',
      HOST: '127.0.0.1',
      SIM_URL: stack.sim.url,
      REDIS_URL: stack.redisUrl,
      KEY_PREFIX: stack.keyPrefix,
      ADMIN_TOKEN: stack.adminToken,
      AUDIT_EXPORT_FILE: stack.auditFile,
      LOG_LEVEL: 'silent',
    });
    await silent.ready();
  }, STACK_START_TIMEOUT_MS);
  afterAll(async () => {
    await silent?.stop();
    await stack.stop();
  }, STACK_STOP_TIMEOUT_MS);

  const lines = (instance: ApiProcess): string[] => instance.stderrText.split('\n').filter((l) => l !== '');
  const logLine = (instance: ApiProcess, pattern: RegExp): string | undefined => lines(instance).find((l) => pattern.test(l));

  /** Waits until every given instance has written a line matching `pattern` (its id appended). */
  async function everyLogs(instances: readonly ApiProcess[], pattern: string, timeoutMs = LINE_TIMEOUT_MS): Promise<void> {
    const expected = instances.map((i) => new RegExp(`${pattern} instance=${escape(i.instanceId)}$`));
    await waitFor(() => instances.every((i, n) => logLine(i, expected[n]) !== undefined), { timeoutMs, intervalMs: 50, description: `a line /${pattern}/ on ${instances.map((i) => i.instanceId).join(', ')}` });
  }

  it(
    'logs an admin override on the instance that did it, and the transition on every instance; LOG_LEVEL=silent writes none',
    stack.scenario(async () => {
      const [first, second] = stack.instances;
      const forced = await postAdmin<BreakerView>(first.url, '/breakers/provider-c/force-open', stack.adminToken);
      expect(forced.status).toBe(200);
      const version = forced.body.version;

      await everyLogs([first, second], ` WARN breaker: provider-c CLOSED -> FORCED_OPEN reason=forced-open version=${version} mode=fleet`);
      expect(logLine(first, /admin: force-open provider-c/)).toMatch(
        new RegExp(`^\\S+ INFO admin: force-open provider-c by=admin from=127\\.0\\.0\\.1 result="FORCED_OPEN \\(version ${version}\\)" instance=${escape(first.instanceId)}$`),
      );
      expect(logLine(second, /admin:/)).toBeUndefined();

      expect((await postAdmin(second.url, '/breakers/provider-c/reset', stack.adminToken)).status).toBe(200);
      await everyLogs([first, second], ` INFO breaker: provider-c FORCED_OPEN -> CLOSED reason=reset version=${version + 1} mode=fleet`);
      await everyLogs([second], ` INFO admin: reset provider-c by=admin from=127\\.0\\.0\\.1 result="CLOSED \\(version ${version + 1}\\)"`);

      expect((await postAdmin(second.url, '/queues/notify-email/dead-letter/replay', stack.adminToken)).status).toBe(200);
      await everyLogs([second], ' INFO admin: replay dead letters of notify-email by=admin from=127\\.0\\.0\\.1 result="replayed 0"');
      expect((await postAdmin(first.url, '/breakers/no-such-breaker/disable', stack.adminToken)).status).toBe(404);
      await everyLogs([first], ' WARN admin: disable no-such-breaker by=admin from=127\\.0\\.0\\.1 result=failed error="no breaker named no-such-breaker"');

      // The silent instance followed the fleet all along, and said nothing of it.
      expect(await breakerState(silent.url, 'provider-c')).toBe('CLOSED');
      expect((await breakers(silent.url)).find((b) => b.name === 'provider-c')?.version).toBe(version + 1);
      expect(silent.stderrText).toBe('');
    }),
  );

  it(
    'logs nothing per payment; logs the trip when a provider goes down, and GET /breakers shows the window it tripped with',
    stack.scenario(async () => {
      const [first, second] = stack.instances;
      const before = stack.instances.map((i) => lines(i).length);
      for (let n = 0; n < 6; n++) await pay(stack.url(n));
      expect(stack.instances.map((i) => lines(i).length)).toEqual(before);

      await sim.fault('provider-a', { mode: 'down' });
      try {
        // Each payment falls over to provider-b after provider-a refuses; minimumCalls is 5.
        await waitFor(
          async () => {
            await pay(stack.url(0));
            return (await breakerState(first.url, 'provider-a')) === 'OPEN';
          },
          { timeoutMs: 15_000, intervalMs: 0, description: 'provider-a OPEN' },
        );
        await everyLogs([first, second], ' WARN breaker: provider-a CLOSED -> OPEN reason=failure-rate version=\\d+ mode=fleet');

        const reply = await getJson<FullBreakerView[]>(`${second.url}/breakers`);
        expect(reply.headers.get('x-instance-id')).toBe(second.instanceId);
        const entry = reply.body.find((b) => b.name === 'provider-a');
        expect(entry).toMatchObject({ state: 'OPEN', calls: 0, failureRate: 0, instanceId: second.instanceId, reason: 'failure-rate', mode: 'fleet' });
        expect(Number.isInteger(entry?.retryAfterMs)).toBe(true);
        expect(entry?.retryAfterMs).toBeGreaterThan(0);
        expect(Date.parse(entry?.since ?? '')).toBeLessThanOrEqual(Date.now());
        const trip = entry?.lastTrip;
        expect(trip).toMatchObject({ reason: 'failure-rate', slowCalls: 0 });
        expect(trip?.calls).toBeGreaterThanOrEqual(5);
        expect(trip?.failures).toBeGreaterThanOrEqual(Math.ceil((trip?.calls ?? 0) / 2));
        expect(trip?.failureRate).toBe(Number(((trip?.failures ?? 0) / (trip?.calls ?? 1)).toFixed(4)));
        expect(Date.now() - Date.parse(trip?.at ?? '')).toBeLessThan(30_000);
        for (const b of reply.body) {
          expect(b.instanceId).toBe(second.instanceId);
          expect(String(b.failureRate)).toMatch(/^\d(\.\d{1,4})?$/);
        }
      } finally {
        await sim.clearFaults();
        await postAdmin(first.url, '/breakers/provider-a/reset', stack.adminToken);
      }
    }),
  );

  it(
    'names the instance on every answer: errors and unknown paths too',
    stack.scenario(async () => {
      for (const instance of stack.instances) {
        for (const path of ['/health/live', '/degradation', '/no-such-path']) expect((await getJson(`${instance.url}${path}`)).headers.get('x-instance-id')).toBe(instance.instanceId);
        const refused = await postPayment(instance.url, { amount: -1 });
        expect(refused.status).toBe(400);
        expect(refused.headers.get('x-instance-id')).toBe(instance.instanceId);
      }
    }),
  );

  it(
    'logs entering local mode when Redis goes away, with the cause, and leaving it when Redis is back',
    stack.scenario(async () => {
      const [first, second] = stack.instances;
      await stack.redis.kill();
      await everyLogs([first, second], ' WARN local-mode: entering local mode: Redis does not answer; each breaker decides on this instance alone, from the last fleet state cause=.+', 10_000);
      // Payments fail with 503 meanwhile, and no request's failure is a stack on stderr.
      for (let i = 0; i < 20; i++) expect((await postPayment(first.url, paymentBody())).status).toBe(503);
      expect(first.stderrText).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m);
      await stack.redis.restart();
      await everyLogs([first, second], ' INFO local-mode: leaving local mode: Redis answers again; the breakers follow the fleet state', 15_000);
      expect(silent.stderrText).toBe('');
    }),
    30_000,
  );
});
