import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { BreakwaterRegistry } from '../registry/breakwater-registry';
import { declaredParameterCount } from './declared-parameters';
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
 * A @Guarded method with a default value before its signal (`level(sku, unit = 'pcs', signal?)`):
 * the signal's place is found by the method's `length`, which stops at the first default, so the
 * chain's signal would replace an argument. The compiler cannot tell a default from `?`.
 */
export class GuardedMethodDefaultBeforeSignalError extends Error {
  override readonly name = 'GuardedMethodDefaultBeforeSignalError';
  readonly code = 'GUARDED_METHOD_DEFAULT_BEFORE_SIGNAL';

  constructor(readonly method: string) {
    super(`@Guarded method ${method} has a parameter with a default value: none may have one (give the default inside the method), or the chain's signal would replace an argument`);
  }
}

/** Why a class's @Guarded methods cannot be wrapped at start-up. */
export type NotSingletonReason = 'request-scoped' | 'transient' | 'controller';

/**
 * A @Guarded method on a class that has no single instance to wrap at start-up (request-scoped,
 * itself or through a dependency; transient), or on a controller (Nest routes to the class's own
 * method): left as it was, every call would go straight to the downstream, past an open breaker.
 */
export class GuardedProviderNotSingletonError extends Error {
  override readonly name = 'GuardedProviderNotSingletonError';
  readonly code = 'GUARDED_PROVIDER_NOT_SINGLETON';

  constructor(
    readonly method: string,
    readonly reason: NotSingletonReason,
  ) {
    super(`@Guarded method ${method} is on a ${reason} class: @Guarded guards methods of singleton providers only; inject the chain there (@InjectPolicy) and call chain.execute yourself`);
  }
}

/**
 * At start-up, finds every singleton provider's @Guarded methods and replaces each, on that
 * instance, with the method run through its downstream's chain. An unknown downstream stops
 * start-up (UnknownDownstreamError) rather than failing at the first call; so does a @Guarded
 * method this cannot wrap (GuardedProviderNotSingletonError) rather than running unguarded.
 */
@Injectable()
export class GuardedMethodsExplorer implements OnModuleInit {
  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(BreakwaterRegistry) private readonly registry: BreakwaterRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    try {
      this.wrapAll();
    } catch (error) {
      // Start-up stops here, and Nest closes nothing it made: the registry's connections would keep the process alive.
      await this.registry.close();
      throw error;
    }
  }

  private wrapAll(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const reason = wrapper.isTransient ? 'transient' : wrapper.isDependencyTreeStatic() ? undefined : 'request-scoped';
      if (reason !== undefined) this.refuseGuarded(wrapper, reason);
      else this.wrap(wrapper);
    }
    for (const wrapper of this.discovery.getControllers()) this.refuseGuarded(wrapper, 'controller');
  }

  private wrap(wrapper: InstanceWrapper): void {
    const instance: unknown = wrapper.instance;
    if (typeof instance !== 'object' || instance === null) return;
    const methods = instance as Record<string, unknown>;
    for (const name of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
      const method = methods[name];
      if (typeof method !== 'function') continue;
      const downstream = this.reflector.get<string | undefined>(GUARDED_BY, method);
      if (downstream === undefined) continue;
      if (method.length === 0) throw new GuardedMethodWithoutSignalError(`${instance.constructor.name}.${name}`);
      const declared = declaredParameterCount(method as (...args: never[]) => unknown);
      if (declared !== undefined && declared !== method.length) throw new GuardedMethodDefaultBeforeSignalError(`${instance.constructor.name}.${name}`);
      Object.defineProperty(instance, name, { value: guardedMethod(method as (...args: unknown[]) => unknown, this.registry.chain(downstream)), configurable: true, writable: true });
    }
  }

  /** Throws when the class (a provider's or controller's) declares a @Guarded method. */
  private refuseGuarded(wrapper: InstanceWrapper, reason: NotSingletonReason): void {
    const prototype: unknown = (wrapper.metatype as { prototype?: unknown } | null)?.prototype;
    // A factory provider's metatype is its factory: its value's methods are not known here.
    if (wrapper.inject !== undefined && wrapper.inject !== null) return;
    if (typeof prototype !== 'object' || prototype === null) return;
    for (const name of this.scanner.getAllMethodNames(prototype)) {
      const method = (prototype as Record<string, unknown>)[name];
      if (typeof method === 'function' && this.reflector.get<string | undefined>(GUARDED_BY, method) !== undefined) {
        throw new GuardedProviderNotSingletonError(`${(wrapper.metatype as { name: string }).name}.${name}`, reason);
      }
    }
  }
}
