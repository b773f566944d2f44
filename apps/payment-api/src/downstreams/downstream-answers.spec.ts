// Given each downstream's call behind a policy chain that records what it sees, when the
// downstream answers 200 with a value out of range (a negative or absurd stock level, a fraud
// score of -1e308, a 4 MB chargeId), then that answer is a failure of that downstream (counted by
// its chain, the usual fallback taken), never data the gateway uses or stores (issue 13).
import { MemoryCacheStore, NEVER_ABORTED, ReadThroughCache } from '@breakwater/resilience';
import { FraudCheck } from '../fraud/fraud-check';
import type { RulesScorer } from '../fraud/rules-scorer';
import { InventoryCheck } from '../inventory/inventory-check';
import { ProviderCharge } from '../providers/provider-charge';
import type { HttpAnswer, HttpClient } from './http-client';
import { countingChain } from '../../test-support/counting-chain';

const answering = (json: unknown, status = 200): HttpClient => ({ send: async (): Promise<HttpAnswer> => ({ status, json, text: JSON.stringify(json) ?? '' }) }) as unknown as HttpClient;

describe('out-of-range downstream answers are failures of that downstream', () => {
  it.each([-1, 1.5, 1e308, '5', null])('inventory: an available of %p is a failure (the fallback decides)', async (available) => {
    const chain = countingChain();
    const cache = new ReadThroughCache<{ sku: string; available: number }>('inventory', new MemoryCacheStore(), { freshMs: 1000, staleMs: 1000 });
    const verdict = await new InventoryCheck(answering({ available }), chain, cache, 'accept').check([{ sku: 'sku-1', qty: 1 }], NEVER_ABORTED);
    expect(verdict).toEqual({ kind: 'unchecked' });
    expect(chain.failures).toBe(1);
  });

  it.each([-1e308, -0.1, 1.01, 'NaN', null])('fraud: a score of %p is a failure: the rules score instead', async (score) => {
    const chain = countingChain();
    const rules = { score: async () => 0.25 } as unknown as RulesScorer;
    await expect(new FraudCheck(answering({ score }), chain, rules).score('c-1', 100, 'EUR', NEVER_ABORTED)).resolves.toEqual({ score: 0.25, mode: 'rules' });
    expect(chain.failures).toBe(1);
  });

  it.each([
    ['a 4 MB chargeId', 'c'.repeat(4 * 1024 * 1024)],
    ['no chargeId', undefined],
    ['a chargeId with a control character', 'ch_\u0000'],
    ['a numeric chargeId', 42],
  ])('providers: CHARGED with %s is a failure: the charge is ambiguous (reconciled), its id not stored', async (_label, chargeId) => {
    const chain = countingChain();
    const providers = new ProviderCharge(answering({ status: 'CHARGED', chargeId }, 201), { 'provider-a': chain, 'provider-b': countingChain(), 'provider-c': countingChain() });
    const outcome = await providers.charge({ paymentId: 'p-1', amount: 100, currency: 'EUR', token: 'tok_visa' }, NEVER_ABORTED);
    expect(outcome).toMatchObject({ kind: 'ambiguous', provider: 'provider-a' });
    expect(chain.failures).toBe(1);
  });

  it('a well-formed answer still goes through', async () => {
    const providers = new ProviderCharge(answering({ status: 'CHARGED', chargeId: 'ch_1' }, 201), { 'provider-a': countingChain(), 'provider-b': countingChain(), 'provider-c': countingChain() });
    await expect(providers.charge({ paymentId: 'p-1', amount: 100, currency: 'EUR', token: 'tok_visa' }, NEVER_ABORTED)).resolves.toMatchObject({ kind: 'charged', chargeId: 'ch_1' });
  });
});
