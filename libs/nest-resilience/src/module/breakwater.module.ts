import { Module, type DynamicModule, type FactoryProvider, type ModuleMetadata, type Provider } from '@nestjs/common';
import { DiscoveryModule, ModuleRef } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { BreakwaterAdminSettings } from '../admin/admin-settings';
import { LoggedBreakerAdminAudit, type BreakerAdminAudit } from '../admin/breaker-admin-audit';
import { BREAKWATER_ADMIN_AUDIT } from '../admin/breaker-admin-audit.token';
import { BreakersAdminController } from '../admin/breakers-admin.controller';
import { BreakwaterAdminGuard, BreakwaterListGuard } from '../admin/breakwater-admin.guard';
import { BreakwaterExceptionFilter } from '../filter/breakwater-exception.filter';
import { GuardedMethodsExplorer } from '../guarded/guarded-methods.explorer';
import { BreakerHealthIndicator } from '../health/breaker-health.indicator';
import { QueueHealthIndicator } from '../health/queue-health.indicator';
import { RedisHealthIndicator } from '../health/redis-health.indicator';
import type { BreakwaterOptions } from '../options/breakwater-options';
import { BreakwaterRegistry } from '../registry/breakwater-registry';
import { UnknownDownstreamError } from '../registry/unknown-downstream.error';
import { BreakwaterShutdown } from './breakwater-shutdown';
import { BREAKWATER_ADMIN, BREAKWATER_OPTIONS, breakerToken, policyToken } from './tokens';

/** What forRoot takes besides the options themselves. */
export interface BreakwaterModuleSettings {
  /** Turns on the admin controller (GET /breakers and the overrides). Off by default. */
  admin?: BreakwaterAdminSettings;
  /** Registry, breakers and policies injectable in every module (default true). */
  global?: boolean;
}

export type BreakwaterModuleOptions = BreakwaterOptions & BreakwaterModuleSettings;

export interface BreakwaterModuleAsyncOptions extends BreakwaterModuleSettings {
  imports?: ModuleMetadata['imports'];
  inject?: FactoryProvider['inject'];
  useFactory: (...args: never[]) => BreakwaterOptions | Promise<BreakwaterOptions>;
  /**
   * The downstreams injectable by name (@InjectBreaker, @InjectPolicy): the factory's settings
   * are not known when Nest reads the module. Every name must be among the factory's downstreams.
   */
  downstreams?: readonly string[];
}

/**
 * Fleet breakers and policy chains for a NestJS application: the BreakwaterRegistry, each
 * downstream's breaker and chain by name, @Guarded provider methods, terminus health indicators,
 * an exception filter, the opt-in admin controller, and a shutdown that flushes what is pending.
 */
@Module({})
export class BreakwaterModule {
  static forRoot(options: BreakwaterModuleOptions): DynamicModule {
    const { admin, global, ...breakwater } = options;
    return moduleOf({ provide: BREAKWATER_OPTIONS, useValue: breakwater }, Object.keys(options.downstreams), { admin, global });
  }

  static forRootAsync(options: BreakwaterModuleAsyncOptions): DynamicModule {
    const factory: FactoryProvider<BreakwaterOptions | Promise<BreakwaterOptions>> = { provide: BREAKWATER_OPTIONS, useFactory: options.useFactory as (...args: unknown[]) => BreakwaterOptions | Promise<BreakwaterOptions>, inject: options.inject ?? [] };
    return moduleOf(factory, options.downstreams ?? [], options, options.imports ?? []);
  }
}

function moduleOf(optionsProvider: Provider, names: readonly string[], settings: BreakwaterModuleSettings, imports: NonNullable<ModuleMetadata['imports']> = []): DynamicModule {
  const byName: Provider[] = names.flatMap((name) => [
    { provide: breakerToken(name), inject: [BreakwaterRegistry], useFactory: (r: BreakwaterRegistry) => r.breaker(name) },
    { provide: policyToken(name), inject: [BreakwaterRegistry], useFactory: (r: BreakwaterRegistry) => r.chain(name) },
  ]);
  const shared: Provider[] = [BreakerHealthIndicator, RedisHealthIndicator, QueueHealthIndicator, BreakwaterExceptionFilter];
  const admin = settings.admin;
  return {
    module: BreakwaterModule,
    global: settings.global ?? true,
    imports: [DiscoveryModule, TerminusModule, ...imports],
    controllers: admin === undefined ? [] : [BreakersAdminController],
    providers: [
      optionsProvider,
      { provide: BreakwaterRegistry, inject: [BREAKWATER_OPTIONS], useFactory: (options: BreakwaterOptions) => startRegistry(options, names) },
      BreakwaterShutdown,
      GuardedMethodsExplorer,
      ...shared,
      ...byName,
      ...(admin === undefined ? [] : adminProviders(admin)),
    ],
    exports: [BREAKWATER_OPTIONS, BreakwaterRegistry, ...shared, ...byName.map((p) => (p as FactoryProvider).provide)],
  };
}

/** `admin.audit` names a class that no module provides. */
export class AdminAuditNotFoundError extends Error {
  override readonly name = 'AdminAuditNotFoundError';
  readonly code = 'ADMIN_AUDIT_NOT_FOUND';

  constructor(readonly audit: string) {
    super(`admin.audit ${audit} is not a provider of any module: add it to your module's providers`);
  }
}

/**
 * Start-up waits for Redis (at most `fleet.readyTimeoutMs`, else the breakers begin locally). A
 * name for injection that the options lack is refused before any connection exists: Nest does
 * not close what a failed start-up made, and an open connection keeps the process alive.
 */
async function startRegistry(options: BreakwaterOptions, injectable: readonly string[]): Promise<BreakwaterRegistry> {
  const configured = Object.keys(options.downstreams ?? {});
  const missing = injectable.find((name) => !configured.includes(name));
  if (missing !== undefined) throw new UnknownDownstreamError(missing, configured);
  const registry = new BreakwaterRegistry(options);
  await registry.ready(options.fleet?.readyTimeoutMs);
  return registry;
}

function adminProviders(admin: BreakwaterAdminSettings): Provider[] {
  const audit = admin.audit;
  return [
    { provide: BREAKWATER_ADMIN, useValue: admin },
    BreakwaterAdminGuard,
    BreakwaterListGuard,
    {
      provide: BREAKWATER_ADMIN_AUDIT,
      inject: [ModuleRef],
      useFactory: (modules: ModuleRef): BreakerAdminAudit => {
        if (audit === undefined) return new LoggedBreakerAdminAudit();
        // Looked up at the first action: the application's audit may depend on this module.
        let found: BreakerAdminAudit | undefined;
        return {
          run: (action, act, outcome) => {
            found ??= modules.get(audit, { strict: false });
            if (found === undefined) throw new AdminAuditNotFoundError(audit.name);
            return found.run(action, act, outcome);
          },
        };
      },
    },
  ];
}
