import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ClientCredentials } from './auth/client-credentials';
import { OperatorCredentials } from './auth/operator-credentials';
import { OperatorReadsGuard } from './auth/operator-reads.guard';
import { BreakersController } from './breakers/breakers.controller';
import { AdminGuard } from './breakers/admin.guard';
import { APP_CONFIG, type AppConfig } from './config/app-config';
import { DashboardController } from './dashboard/dashboard.controller';
import { DegradationController } from './degradation/degradation.controller';
import { Gateway } from './gateway';
import { GATEWAY } from './gateway.token';
import { HealthController } from './health/health.controller';
import { QueuesController } from './jobs/queues.controller';
import { MetricsController } from './metrics/metrics.controller';
import { PaymentsController } from './payments/payments.controller';

/** Wiring only: the parts are built by Gateway from the configuration. */
@Module({})
export class AppModule implements OnApplicationShutdown {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [TerminusModule],
      controllers: [PaymentsController, BreakersController, DegradationController, HealthController, MetricsController, QueuesController, DashboardController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        {
          provide: GATEWAY,
          useFactory: async () => {
            const gateway = new Gateway(config);
            await gateway.start();
            return gateway;
          },
        },
        OperatorCredentials,
        ClientCredentials,
        AdminGuard,
        { provide: APP_GUARD, useClass: OperatorReadsGuard },
      ],
    };
  }

  constructor(@Inject(GATEWAY) private readonly gateway: Gateway) {}

  async onApplicationShutdown(): Promise<void> {
    await this.gateway.close();
  }
}
