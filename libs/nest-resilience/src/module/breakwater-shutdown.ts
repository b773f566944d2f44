import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { BreakwaterRegistry } from '../registry/breakwater-registry';

/**
 * Closes the registry when the application closes (app.close(), or a signal with
 * enableShutdownHooks): pending outcomes are flushed to Redis, timers stop, the connection the
 * registry made is closed. onApplicationShutdown runs after the HTTP server has stopped taking
 * requests, and Nest calls it on the importing module's providers before this module's, so the
 * application's own shutdown (workers still calling downstreams) is over by then.
 */
@Injectable()
export class BreakwaterShutdown implements OnApplicationShutdown {
  constructor(@Inject(BreakwaterRegistry) private readonly registry: BreakwaterRegistry) {}

  async onApplicationShutdown(): Promise<void> {
    await this.registry.close();
  }
}
