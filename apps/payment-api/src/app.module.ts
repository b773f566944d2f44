import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { BreakwaterModule, BreakwaterRegistry } from '@breakwater/nestjs';
import { ClientCredentials } from './auth/client-credentials';
import { OperatorCredentials } from './auth/operator-credentials';
import { OperatorReadsGuard } from './auth/operator-reads.guard';
import { AdminAudit } from './breakers/admin-audit';
import { AdminGuard } from './breakers/admin.guard';
import { APP_CONFIG, type AppConfig } from './config/app-config';
import { DashboardController } from './dashboard/dashboard.controller';
import { DegradationController } from './degradation/degradation.controller';
import { breakwaterOptions } from './downstreams/downstream-policies';
import { Gateway } from './gateway';
import { GATEWAY } from './gateway.token';
import { HealthController } from './health/health.controller';
import { QueuesController } from './jobs/queues.controller';
import { MetricsController } from './metrics/metrics.controller';
import { PaymentMetrics } from './metrics/payment-metrics';
import { PaymentsController } from './payments/payments.controller';
import { createPolicyTelemetry } from './telemetry/policy-telemetry';

/**
 * Wiring only. BreakwaterModule (@breakwater/nestjs) builds the breakers and policy chains from
 * the settings file, serves GET /breakers and the overrides (behind this app's AdminGuard, logged
 * by AdminAudit; GET /breakers is an operator read of OperatorReadsGuard), and gives the health
 * indicators; Gateway builds the payment domain around them.
 *
 * Shutdown: Nest calls this module's onApplicationShutdown before BreakwaterModule's (importers
 * first), so the gateway's workers stop before the breakers flush their last outcomes and close.
 */
@Module({})
export class AppModule implements OnApplicationShutdown {
  static forConfig(config: AppConfig): DynamicModule {
    const metrics = new PaymentMetrics(config.instanceId);
    const breakwater = breakwaterOptions(config, createPolicyTelemetry(metrics.registry, config.tracing));
    return {
      module: AppModule,
      imports: [TerminusModule, BreakwaterModule.forRoot({ ...breakwater, admin: { guard: AdminGuard, audit: AdminAudit, protectList: false } })],
      controllers: [PaymentsController, DegradationController, HealthController, MetricsController, QueuesController, DashboardController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        {
          provide: GATEWAY,
          inject: [BreakwaterRegistry],
          useFactory: async (policies: BreakwaterRegistry) => {
            const gateway = new Gateway(config, { policies, metrics });
            await gateway.start();
            return gateway;
          },
        },
        OperatorCredentials,
        ClientCredentials,
        AdminGuard,
        AdminAudit,
        { provide: APP_GUARD, useClass: OperatorReadsGuard },
      ],
    };
  }

  constructor(@Inject(GATEWAY) private readonly gateway: Gateway) {}

  async onApplicationShutdown(): Promise<void> {
    await this.gateway.close();
  }
}
