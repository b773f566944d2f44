// Given each downstream's call builder behind a policy chain that records every call it sees,
// when a request's own data cannot be carried (a lone surrogate, a sku with a slash), then the
// builder refuses it with InvalidRequestDataError before the chain runs: no breaker, bulkhead or
// retry budget of that downstream ever counts it (issue 13: 25 payments with the sku "\ud800"
// opened the inventory breaker fleet-wide).
import { UnrecoverableError, type Job } from 'bullmq';
import { MemoryCacheStore, NEVER_ABORTED, ReadThroughCache } from '@breakwater/resilience';
import type { ProviderName } from '../config/downstream-config';
import type { DownstreamPolicies } from '../downstreams/downstream-policies';
import type { HttpClient } from '../downstreams/http-client';
import { FraudCheck } from '../fraud/fraud-check';
import type { RulesScorer } from '../fraud/rules-scorer';
import { InventoryCheck } from '../inventory/inventory-check';
import type { NotificationJobData } from '../jobs/job-data';
import { notificationProcessor } from '../jobs/notification-processor';
import { ProviderCharge } from '../providers/provider-charge';
import { InvalidRequestDataError } from './invalid-request-data.error';
import { countingChain } from '../../test-support/counting-chain';

const LONE = '\ud800';

const http = { send: async () => ({ status: 200, json: { available: 10, score: 0.1, status: 'CHARGED', chargeId: 'ch_1' }, text: '{}' }) } as unknown as HttpClient;

describe('a request whose own data cannot be carried is refused before any policy chain', () => {
  it('inventory: 25 checks of the sku "\\ud800" reach neither the chain nor the cache, and each throws InvalidRequestDataError', async () => {
    const chain = countingChain();
    const cache = new ReadThroughCache<{ sku: string; available: number }>('inventory', new MemoryCacheStore(), { freshMs: 1000, staleMs: 1000 });
    const inventory = new InventoryCheck(http, chain, cache, 'accept');
    for (let i = 0; i < 25; i++) await expect(inventory.check([{ sku: LONE, qty: 1 }], NEVER_ABORTED)).rejects.toBeInstanceOf(InvalidRequestDataError);
    await expect(inventory.check([{ sku: 'sku-1', qty: 1 }, { sku: 'a/../b', qty: 1 }], NEVER_ABORTED)).rejects.toMatchObject({ field: 'items[1].sku' });
    expect({ calls: chain.calls, failures: chain.failures }).toEqual({ calls: 0, failures: 0 });
    // A good sku still goes through the chain.
    await expect(inventory.check([{ sku: 'sku-1', qty: 1 }], NEVER_ABORTED)).resolves.toEqual({ kind: 'available', degraded: false });
    expect(chain.calls).toBe(1);
  });

  it('fraud: a customerId with a lone surrogate throws, without the chain and without the rules fallback', async () => {
    const chain = countingChain();
    const rules = { score: jest.fn(async () => 0.5) } as unknown as RulesScorer;
    const fraud = new FraudCheck(http, chain, rules);
    await expect(fraud.score(`c-${LONE}`, 100, 'EUR', NEVER_ABORTED)).rejects.toMatchObject({ field: 'customerId' });
    await expect(fraud.score('c-1', 100, `E${LONE}R`, NEVER_ABORTED)).rejects.toMatchObject({ field: 'currency' });
    expect(chain.calls).toBe(0);
    expect(rules.score).not.toHaveBeenCalled();
  });

  it('providers: a card token with a lone surrogate throws before any attempt is recorded or any provider chain runs', async () => {
    const chains = { 'provider-a': countingChain(), 'provider-b': countingChain(), 'provider-c': countingChain() };
    const attempts: ProviderName[] = [];
    const providers = new ProviderCharge(http, chains);
    const charging = providers.charge({ paymentId: 'p-1', amount: 100, currency: 'EUR', token: `tok_${LONE}` }, NEVER_ABORTED, async (p) => void attempts.push(p));
    await expect(charging).rejects.toMatchObject({ field: 'paymentMethod.token' });
    await expect(providers.status('provider-a', `p-${LONE}`, NEVER_ABORTED)).rejects.toBeInstanceOf(InvalidRequestDataError);
    expect(attempts).toEqual([]);
    expect(Object.values(chains).map((c) => c.calls)).toEqual([0, 0, 0]);
  });

  it.each(['email', 'sms', 'push'] as const)('notify-%s: a target with a lone surrogate fails its job for good, without the channel chain', async (channel) => {
    const chain = countingChain();
    const policies = { chain: () => chain } as unknown as DownstreamPolicies;
    const job = { id: `p-1-${channel}`, data: { paymentId: 'p-1', channel, target: `x${LONE}`, status: 'AUTHORIZED', amount: 100, currency: 'EUR' } } as Job<NotificationJobData>;
    await expect(notificationProcessor(policies, http)(job, undefined, undefined)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(chain.calls).toBe(0);
  });
});
