// Given a fleet of two instances whose destinations may be notified by 2 payments per window,
// when a client makes a declined 1-cent payment naming someone's email and phone, then nobody is
// notified; and when 4 authorised payments name one address across the fleet, then that address
// gets 2 notifications (the limit is fleet-wide) while another address still gets its own.
import { randomUUID } from 'node:crypto';
import { sleep, waitFor } from '../support/wait-for';
import { paymentBody, postPayment, SimulatorClient } from './support/http-clients';
import { PaymentStack, STACK_START_TIMEOUT_MS, STACK_STOP_TIMEOUT_MS } from './support/payment-stack';

/** Long enough for a queued notification to be delivered (its worker polls and sends at once). */
const DELIVERY_GRACE_MS = 1_500;

describe('notifications cannot be used to message anyone', () => {
  const stack = new PaymentStack({ label: 'notify-abuse', instances: 2, env: { NOTIFY_RATE_LIMIT: '2', NOTIFY_RATE_WINDOW_MS: '600000' } });
  let sim: SimulatorClient;
  beforeAll(async () => {
    await stack.start();
    sim = new SimulatorClient(stack.sim.url);
  }, STACK_START_TIMEOUT_MS);
  afterAll(() => stack.stop(), STACK_STOP_TIMEOUT_MS);

  const sentTo = async (service: 'notify-email' | 'notify-sms', target: string): Promise<number> => (await sim.deliveries(service)).filter((d) => d.message.to === target).length;

  it(
    'a declined 1-cent payment notifies none of the addresses it names',
    stack.scenario(async () => {
      const email = `victim-${randomUUID().slice(0, 8)}@example.com`;
      const sms = '+4915550001';
      const declined = await postPayment(stack.url(0), paymentBody({ amount: 1, paymentMethod: { type: 'card', token: 'tok_decline' }, notify: { email, sms } }));
      expect({ status: declined.status, payment: declined.body.status }).toEqual({ status: 201, payment: 'DECLINED' });
      // An authorised one on the same stack is delivered: the channel works, the decline was not sent.
      const witness = `witness-${randomUUID().slice(0, 8)}@example.com`;
      expect((await postPayment(stack.url(1), paymentBody({ notify: { email: witness } }))).body.status).toBe('AUTHORIZED');
      await waitFor(async () => (await sentTo('notify-email', witness)) === 1, { timeoutMs: 10_000, description: "the witness's email" });
      await sleep(DELIVERY_GRACE_MS);
      expect({ email: await sentTo('notify-email', email), sms: await sentTo('notify-sms', sms) }).toEqual({ email: 0, sms: 0 });
    }),
  );

  it(
    'one destination gets at most NOTIFY_RATE_LIMIT notifications per window, fleet-wide; another its own',
    stack.scenario(async () => {
      const target = `busy-${randomUUID().slice(0, 8)}@example.com`;
      const other = `other-${randomUUID().slice(0, 8)}@example.com`;
      for (let i = 0; i < 4; i++) {
        const paid = await postPayment(stack.url(i), paymentBody({ notify: { email: target } }));
        expect(paid.body.status).toBe('AUTHORIZED');
      }
      expect((await postPayment(stack.url(0), paymentBody({ notify: { email: other } }))).body.status).toBe('AUTHORIZED');
      await waitFor(async () => (await sentTo('notify-email', other)) === 1, { timeoutMs: 10_000, description: 'the other address' });
      await waitFor(async () => (await sentTo('notify-email', target)) >= 2, { timeoutMs: 10_000, description: 'two emails to the busy address' });
      await sleep(DELIVERY_GRACE_MS);
      expect(await sentTo('notify-email', target)).toBe(2);
    }),
  );
});
