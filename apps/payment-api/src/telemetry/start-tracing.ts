/**
 * Imported first by main.ts, before anything else loads: the instrumentations patch http,
 * undici and @nestjs/core as they are loaded (Fastify through its diagnostics channel), so a module loaded before them would go untraced. The SDK itself is
 * required only when tracing is on, so an instance without an OTLP endpoint never loads it.
 *
 * The SDK reads the standard variables itself: OTEL_EXPORTER_OTLP_ENDPOINT,
 * OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf by default, http/json, grpc), OTEL_SERVICE_NAME,
 * OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG, OTEL_RESOURCE_ATTRIBUTES (to which the
 * instance's id is added as service.instance.id).
 */
import type { IncomingMessage } from 'node:http';
import { instanceIdFrom } from '../config/instance-id';
import { DEFAULT_SERVICE_NAME, resourceAttributesWithInstance, tracingEnabled, UNTRACED_PATHS } from './tracing-settings';
import { onTracingShutdown } from './tracing-shutdown';

function startTracing(env: NodeJS.ProcessEnv): void {
  if (!tracingEnabled(env)) return;
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const { NestInstrumentation } = require('@opentelemetry/instrumentation-nestjs-core') as typeof import('@opentelemetry/instrumentation-nestjs-core');
  const { FastifyOtelInstrumentation } = require('@fastify/otel') as typeof import('@fastify/otel');
  // The SDK reads the resource from the environment when it starts: the instance id goes there.
  env.OTEL_RESOURCE_ATTRIBUTES = resourceAttributesWithInstance(env.OTEL_RESOURCE_ATTRIBUTES, instanceIdFrom(env));
  const sdk = new NodeSDK({
    ...(env.OTEL_SERVICE_NAME ? {} : { serviceName: DEFAULT_SERVICE_NAME }),
    // Spans only: metrics are Prometheus' (GET /metrics), logs the operator log on stderr.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      // The server span of every request; the downstream calls (undici, not node:http) get theirs below.
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request: IncomingMessage) => UNTRACED_PATHS.includes((request.url ?? '').split('?')[0]) }),
      new UndiciInstrumentation(),
      // Which controller and handler took the request (the http span knows only the path), and
      // the guards' and filters' share of its time.
      new NestInstrumentation(),
      // Fastify's request and handler spans under the server span, registered when Fastify is
      // created (Nest creates it), so no code of ours adds the plugin. No hook spans: Nest's
      // middleware hooks would add six to every request, none of them a decision.
      new FastifyOtelInstrumentation({ registerOnInitialization: true, instrumentHooks: false, ignorePaths: ({ url }) => UNTRACED_PATHS.includes(url) }),
    ],
  });
  sdk.start();
  onTracingShutdown(() => sdk.shutdown());
}

startTracing(process.env);
