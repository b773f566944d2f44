import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { loadAppConfig } from './config/app-config';
import { ErrorFilter } from './infra/error.filter';

async function main(): Promise<void> {
  const config = loadAppConfig();
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forConfig(config), new FastifyAdapter({ bodyLimit: 64 * 1024 }), { logger: ['error', 'warn'] });
  app.useGlobalFilters(new ErrorFilter());
  app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
  await app.listen({ port: config.port, host: config.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  // One line the fleet launcher waits for.
  process.stdout.write(`API READY ${JSON.stringify({ url: `http://${config.host}:${port}`, instanceId: config.instanceId })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`payment-api failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
