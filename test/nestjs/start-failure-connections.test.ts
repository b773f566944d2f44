// An application that fails to start must not keep the registry's Redis connections open: they
// would keep a process that caught the error (and set process.exitCode, as the README's example
// does) alive, and in a test runner leak for the rest of the run. Before, the registry was made
// and connected, then start-up failed (a name for injection the factory did not configure; a
// @Guarded method on an unknown downstream or on a class it cannot wrap) and nothing closed it.
// Checked on a private redis-server by its own client list.
import { Injectable, Module, Scope, type DynamicModule } from '@nestjs/common';
import Redis from 'ioredis';
import { BreakwaterModule, Guarded, type BreakwaterOptions } from '@breakwater/nestjs';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server';
import { sleep } from '../support/wait-for';
import { startApp } from './support/stock-app';

@Injectable()
class GhostService {
  @Guarded('ghost')
  async call(signal?: AbortSignal): Promise<boolean> {
    return signal !== undefined;
  }
}

@Injectable({ scope: Scope.TRANSIENT })
class TransientService {
  @Guarded('stock')
  async call(signal?: AbortSignal): Promise<boolean> {
    return signal !== undefined;
  }
}

describe('an application that fails to start closes the registry it made', () => {
  let server: RedisServerHandle;
  let observer: Redis;

  beforeAll(async () => {
    server = await startRedisServer();
    observer = new Redis(server.url);
  });

  afterAll(async () => {
    observer?.disconnect();
    await server?.cleanup();
  });

  const options = (): BreakwaterOptions => ({ redis: server.url, instanceId: 'start-failure', downstreams: { stock: { timeoutMs: 1_000 } } });
  const clients = async (): Promise<number> => String(await observer.client('LIST')).trim().split('\n').length;
  const appOf = (breakwater: DynamicModule, provider?: typeof GhostService | typeof TransientService): DynamicModule => {
    @Module({})
    class FailingModule {}
    return { module: FailingModule, imports: [breakwater], providers: provider === undefined ? [] : [provider] };
  };

  /** Long enough for a connection left open to be up (it connects in a few ms on loopback). */
  const settle = (): Promise<void> => sleep(1_000);

  it('forRootAsync with a name for injection the factory does not configure', async () => {
    const module = BreakwaterModule.forRootAsync({ downstreams: ['stock', 'ghost'], useFactory: options });

    await expect(startApp(appOf(module))).rejects.toMatchObject({ code: 'UNKNOWN_DOWNSTREAM', downstream: 'ghost' });
    await settle();
    expect(await clients()).toBe(1);
  });

  it('a @Guarded method on an unknown downstream', async () => {
    await expect(startApp(appOf(BreakwaterModule.forRoot(options()), GhostService))).rejects.toMatchObject({ code: 'UNKNOWN_DOWNSTREAM' });
    await settle();
    expect(await clients()).toBe(1);
  });

  it('a @Guarded method on a transient provider', async () => {
    await expect(startApp(appOf(BreakwaterModule.forRoot(options()), TransientService))).rejects.toMatchObject({ code: 'GUARDED_PROVIDER_NOT_SINGLETON' });
    await settle();
    expect(await clients()).toBe(1);
  });
});
