import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Once the server is closing (SIGTERM), every answer says `Connection: close`, and Node closes the
 * connection after it. Closing drains the requests in flight, and Node closes the keep-alive
 * connections idle at that moment, but not one that was busy: after its answer it stayed open
 * until the client let go (nginx keeps idle upstream connections 60 s; Fastify's own keep-alive
 * timeout is 72 s). Until then the server was not closed, so no shutdown hook ran: the workers
 * were not stopped and the breakers' last outcomes never reached Redis, because the supervisor's
 * SIGKILL came first.
 */
export function closeConnectionsAfterAnswerWhenClosing(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
}
