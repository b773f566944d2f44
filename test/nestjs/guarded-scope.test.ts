// @Guarded wraps a singleton's methods at start-up. A request-scoped or transient provider has no
// single instance to wrap (each request or consumer gets a new one), and before, its @Guarded
// methods were left as they were: the application started and every call went straight to the
// downstream, past an open breaker, with no timeout. A provider turns request-scoped on its own
// when anything it depends on does, so this happened without anyone asking for it. Now start-up
// refuses, naming the method. Real Redis (a key prefix per test) and a real HTTP downstream.
import { Controller, Get, Inject, Injectable, Module, Scope, type DynamicModule } from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import { BreakwaterModule, BreakwaterRegistry, Guarded, GuardedProviderNotSingletonError } from '@breakwater/nestjs';
import { deleteKeysByPrefix, redisUrl, uniquePrefix } from '../support/redis-server';
import { StockDownstream } from './support/stock-downstream';
import { startApp, type RunningApp } from './support/stock-app';

/** Request-scoped only because it reads the request: the scope bubbles up to whoever injects it. */
@Injectable({ scope: Scope.REQUEST })
class RequestContext {
  constructor(@Inject(REQUEST) readonly request: unknown) {}
}

const STOCK_URL = Symbol('STOCK_URL');

@Injectable()
class ImplicitlyRequestScopedStock {
  constructor(
    @Inject(STOCK_URL) private readonly url: string,
    @Inject(RequestContext) readonly context: RequestContext,
  ) {}

  @Guarded('stock')
  async level(sku: string, signal?: AbortSignal): Promise<unknown> {
    const answer = await fetch(`${this.url}/stock/${sku}`, { signal });
    return answer.json();
  }
}

@Injectable({ scope: Scope.TRANSIENT })
class TransientStock {
  constructor(@Inject(STOCK_URL) private readonly url: string) {}

  @Guarded('stock')
  async level(sku: string, signal?: AbortSignal): Promise<unknown> {
    const answer = await fetch(`${this.url}/stock/${sku}`, { signal });
    return answer.json();
  }
}

function appWith(breakwater: DynamicModule, stockUrl: string, stock: typeof ImplicitlyRequestScopedStock | typeof TransientStock): DynamicModule {
  @Controller()
  class LevelController {
    constructor(@Inject(stock) private readonly service: { level(sku: string): Promise<unknown> }) {}

    @Get('stock/:sku')
    level(): Promise<unknown> {
      return this.service.level('sku-1');
    }
  }
  @Module({})
  class LevelModule {}
  return { module: LevelModule, imports: [breakwater], controllers: [LevelController], providers: [stock, RequestContext, { provide: STOCK_URL, useValue: stockUrl }] };
}

describe('@Guarded on a provider that is not a singleton', () => {
  const prefix = uniquePrefix('nest-guarded-scope');
  const downstream = new StockDownstream();
  let running: RunningApp | undefined;
  const breakwater = (): DynamicModule =>
    BreakwaterModule.forRoot({ redis: redisUrl(), instanceId: 'guarded-scope', keyPrefix: prefix, downstreams: { stock: { breaker: { minimumCalls: 2 }, timeoutMs: 2_000 } } });

  beforeAll(() => downstream.start());
  afterEach(async () => {
    await running?.app.close();
    running = undefined;
  });
  afterAll(async () => {
    await downstream.stop();
    await deleteKeysByPrefix(redisUrl(), prefix);
  });

  /** What a started application would do with the method: whether a forced-open breaker stops the call. */
  async function startOrReachDownstream(stock: typeof ImplicitlyRequestScopedStock | typeof TransientStock): Promise<void> {
    running = await startApp(appWith(breakwater(), downstream.url, stock));
    // Only reached before the fix: the breaker forced open, and the call still reaches the downstream.
    await running.app.get(BreakwaterRegistry).breaker('stock').forceOpen();
    const before = downstream.requests;
    const answer = await fetch(`${running.url}/stock/sku-1`);
    throw new Error(`started; with the breaker forced open the call answered ${answer.status} and reached the downstream ${downstream.requests - before} time(s)`);
  }

  it('refuses to start when the provider is request-scoped through a dependency, naming the method', async () => {
    const refused = startOrReachDownstream(ImplicitlyRequestScopedStock);

    await expect(refused).rejects.toMatchObject({ code: 'GUARDED_PROVIDER_NOT_SINGLETON', method: 'ImplicitlyRequestScopedStock.level', reason: 'request-scoped' });
    await expect(refused).rejects.toBeInstanceOf(GuardedProviderNotSingletonError);
  });

  it('refuses to start when the provider is transient', async () => {
    const refused = startOrReachDownstream(TransientStock);

    await expect(refused).rejects.toMatchObject({ code: 'GUARDED_PROVIDER_NOT_SINGLETON', method: 'TransientStock.level', reason: 'transient' });
  });

  it('refuses to start when a controller method is @Guarded (Nest routes to the class method, which nothing wraps)', async () => {
    @Controller()
    class GuardedController {
      @Guarded('stock')
      @Get('stock/:sku')
      async level(_sku?: string, signal?: AbortSignal): Promise<unknown> {
        return (await fetch(`${downstream.url}/stock/sku-1`, { signal })).json();
      }
    }
    @Module({ imports: [breakwater()], controllers: [GuardedController] })
    class GuardedControllerModule {}

    const refused = (async () => {
      running = await startApp({ module: GuardedControllerModule });
      await running.app.get(BreakwaterRegistry).breaker('stock').forceOpen();
      const before = downstream.requests;
      const answer = await fetch(`${running.url}/stock/sku-1`);
      throw new Error(`started; with the breaker forced open the call answered ${answer.status} and reached the downstream ${downstream.requests - before} time(s)`);
    })();

    await expect(refused).rejects.toMatchObject({ code: 'GUARDED_PROVIDER_NOT_SINGLETON', method: 'GuardedController.level', reason: 'controller' });
  });
});
