import { ReadThroughCache, type Policy } from '@breakwater/resilience';
import type { InventoryFallback } from '../config/app-config';
import type { HttpClient } from '../downstreams/http-client';
import { NotProcessedError, UnexpectedAnswerError } from '../downstreams/downstream-errors';
import { TEXT_RULES, requireText } from '../input/text-rules';
import type { PaymentItem } from '../payments/payment';

export type InventoryVerdict =
  | { kind: 'available'; degraded: boolean }
  /** `degraded`: the level that says so came from a stale cache entry (the service failed). */
  | { kind: 'out-of-stock'; sku: string; degraded: boolean }
  /** The service is down and nothing is cached: accepted, to be reserved later. */
  | { kind: 'unchecked' }
  /** The same, with the deployment set to refuse. */
  | { kind: 'unavailable' };

interface Stock {
  sku: string;
  available: number;
}

/**
 * Stock levels through the fleet's shared cache with stale-if-error: a stale level is used when
 * the inventory service fails (the answer is flagged degraded). With nothing cached and the
 * service down, the deployment's INVENTORY_FALLBACK decides: accept (and reserve later) or refuse.
 */
export class InventoryCheck {
  constructor(
    private readonly http: HttpClient,
    private readonly chain: Policy,
    private readonly cache: ReadThroughCache<Stock>,
    private readonly fallback: InventoryFallback,
  ) {}

  /** Throws InvalidRequestDataError (before any cache or policy) for a sku no request can carry. */
  async check(items: PaymentItem[], signal: AbortSignal): Promise<InventoryVerdict> {
    // The request's own data: refused here, never counted as the inventory service failing.
    items.forEach((item, i) => requireText(`items[${i}].sku`, item.sku, TEXT_RULES.sku));
    let degraded = false;
    for (const item of items) {
      let stock: Stock;
      try {
        const result = await this.cache.get(item.sku, (s) => this.fetch(item.sku, s), signal);
        stock = result.value;
        degraded ||= result.freshness === 'stale' && result.error !== undefined;
      } catch {
        return this.fallback === 'accept' ? { kind: 'unchecked' } : { kind: 'unavailable' };
      }
      if (stock.available < item.qty) return { kind: 'out-of-stock', sku: item.sku, degraded };
    }
    return { kind: 'available', degraded };
  }

  private fetch(sku: string, signal: AbortSignal): Promise<Stock> {
    return this.chain.execute(async (s) => {
      const answer = await this.http.send('GET', `/inventory/${encodeURIComponent(sku)}`, s);
      if (answer.status >= 500) throw new NotProcessedError('inventory', answer.status);
      const available = (answer.json as { available?: unknown } | undefined)?.available;
      // Out of range (a fraction, a negative or absurd level) is the service failing, not a stock level.
      if (answer.status !== 200 || !isStockLevel(available)) throw new UnexpectedAnswerError('inventory', answer.status, answer.text);
      return { sku, available };
    }, signal);
  }
}

/** The most stock one sku can report; beyond it the answer is broken. */
export const MAX_STOCK_LEVEL = 1_000_000_000;

const isStockLevel = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_STOCK_LEVEL;
