import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { BreakwaterRegistry } from '../registry/breakwater-registry';
import { GUARDED_BY } from './guarded.decorator';
import { guardedMethod } from './guarded-method';

/** A @Guarded method without a parameter for its signal: it could not be cancelled. */
export class GuardedMethodWithoutSignalError extends Error {
  override readonly name = 'GuardedMethodWithoutSignalError';
  readonly code = 'GUARDED_METHOD_WITHOUT_SIGNAL';

  constructor(readonly method: string) {
    super(`@Guarded method ${method} declares no parameter: its last one must be signal?: AbortSignal (without a default value)`);
  }
}

/**
 * At start-up, finds every singleton provider's @Guarded methods and replaces each, on that
 * instance, with the method run through its downstream's chain. An unknown downstream stops
 * start-up (UnknownDownstreamError) rather than failing at the first call.
 */
@Injectable()
export class GuardedMethodsExplorer implements OnModuleInit {
  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(BreakwaterRegistry) private readonly registry: BreakwaterRegistry,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (typeof instance !== 'object' || instance === null || !wrapper.isDependencyTreeStatic()) continue;
      const methods = instance as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
        const method = methods[name];
        if (typeof method !== 'function') continue;
        const downstream = this.reflector.get<string | undefined>(GUARDED_BY, method);
        if (downstream === undefined) continue;
        if (method.length === 0) throw new GuardedMethodWithoutSignalError(`${instance.constructor.name}.${name}`);
        Object.defineProperty(instance, name, { value: guardedMethod(method as (...args: unknown[]) => unknown, this.registry.chain(downstream)), configurable: true, writable: true });
      }
    }
  }
}
