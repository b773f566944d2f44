// A @Guarded method's signal goes in its last declared parameter, found by the function's
// `length`, which stops at the first parameter with a default value. With
// `level(sku, unit = 'pcs', signal?)` the length is 1: before, the chain's signal replaced `sku`
// and the call went out with the wrong arguments (the compiler cannot tell a default from `?`).
// Now start-up refuses such a method, naming it. A real app over the shared Redis.
import { Controller, Get, Inject, Injectable, Module, type DynamicModule } from '@nestjs/common';
import { BreakwaterModule, Guarded } from '@breakwater/nestjs';
import { deleteKeysByPrefix, redisUrl, uniquePrefix } from '../support/redis-server';
import { startApp, type RunningApp } from './support/stock-app';

@Injectable()
class Levels {
  @Guarded('stock')
  async level(sku: string, unit = 'pcs', signal?: AbortSignal): Promise<{ sku: unknown; unit: unknown; signalled: boolean }> {
    return { sku, unit, signalled: signal instanceof AbortSignal };
  }
}

@Controller()
class LevelsController {
  constructor(@Inject(Levels) private readonly levels: Levels) {}

  @Get('level')
  level(): Promise<unknown> {
    return this.levels.level('sku-1');
  }
}

describe('@Guarded with a default value before the signal', () => {
  const prefix = uniquePrefix('nest-guarded-default');
  let running: RunningApp | undefined;

  afterAll(async () => {
    await running?.app.close();
    await deleteKeysByPrefix(redisUrl(), prefix);
  });

  it('refuses to start rather than handing the signal to the wrong parameter', async () => {
    const breakwater = BreakwaterModule.forRoot({ redis: redisUrl(), instanceId: 'guarded-default', keyPrefix: prefix, downstreams: { stock: { timeoutMs: 1_000 } } });
    @Module({ imports: [breakwater], controllers: [LevelsController], providers: [Levels] })
    class LevelsModule {}

    const started = (async () => {
      running = await startApp({ module: LevelsModule } as DynamicModule);
      const answer = await fetch(`${running.url}/level`);
      throw new Error(`started; GET /level answered ${answer.status} ${await answer.text()}`);
    })();

    await expect(started).rejects.toMatchObject({ code: 'GUARDED_METHOD_DEFAULT_BEFORE_SIGNAL', method: 'Levels.level' });
  });
});
