// First: the tracing SDK must patch http and undici before anything loads them.
import './telemetry/start-tracing';
import 'reflect-metadata';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { loadAppConfig } from './config/app-config';
import { closeConnectionsAfterAnswerWhenClosing } from './infra/close-after-answer';
import { ErrorFilter } from './infra/error.filter';

const BAD_JSON = 'the body is not valid JSON, or holds a forbidden key (__proto__, or constructor with prototype)';

/**
 * An admin POST with `content-type: application/json` and no body is a normal request (curl and
 * many clients send it so); Fastify's default parser would refuse it with 400 before any guard
 * runs. Empty (or blank) JSON bodies parse as undefined; everything else goes to Fastify's own
 * JSON parser, which refuses malformed JSON and prototype poisoning (a `__proto__` key, or a
 * `constructor` key holding `prototype`) with a 400.
 */
function acceptEmptyJsonBodies(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    // Its own error (a Fastify error) would reach the error filter as a bare HttpException; this
    // one is answered as every other bad body: 400 INVALID_REQUEST naming the body.
    parseJson(request, text, (error, parsed) => (error ? done(Object.assign(new Error(BAD_JSON), { statusCode: 400 }), undefined) : done(null, parsed)));
  });
}

/**
 * Through the load balancer, any instance may answer; GET /breakers is one instance's view and a
 * 503 one instance's verdict. Every answer, errors and 404s included, names the instance.
 */
function nameTheInstance(app: NestFastifyApplication, instanceId: string): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (_request, reply, done) => {
      reply.header('x-instance-id', instanceId);
      done();
    });
}

async function main(): Promise<void> {
  const config = loadAppConfig();
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forConfig(config), new FastifyAdapter({ bodyLimit: 64 * 1024, requestTimeout: config.httpRequestTimeoutMs, connectionTimeout: config.httpConnectionTimeoutMs }), { logger: ['error', 'warn'], bodyParser: false });
  app.useGlobalFilters(new ErrorFilter(app.get(HttpAdapterHost)));
  acceptEmptyJsonBodies(app);
  nameTheInstance(app, config.instanceId);
  closeConnectionsAfterAnswerWhenClosing(app);
  app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
  await app.listen({ port: config.port, host: config.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  // One line the fleet launcher waits for.
  process.stdout.write(`API READY ${JSON.stringify({ url: `http://${config.host}:${port}`, instanceId: config.instanceId })}\n`);
}

main().catch((error: unknown) => {
  // The stable code first, for whoever reads the log or greps it (a launcher, a supervisor).
  const code = typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? `[${(error as { code: string }).code}] ` : '';
  process.stderr.write(`payment-api failed to start: ${code}${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
