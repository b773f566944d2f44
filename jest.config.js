// Two projects: unit tests sit beside the code and need nothing; integration tests in test/ talk
// to a real Redis (REDIS_URL, default redis://127.0.0.1:6379) and start their own redis-server
// when they need to kill or restart one.
//
// An unhandled rejection or uncaught exception fails its test file, as it would end a Node 20
// process. Jest 30 fails the test or hook one surfaces in (waitForUnhandledRejections gives it one
// more event-loop turn to find the right one); test/support/strict-node-environment.ts reports the
// ones jest drops (from a test already finished) and waits after the last hook for late ones:
// longer for integration tests, where the coordination commandTimeout (250 ms) is the slowest
// timer that can turn into a rejection.
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript', decorators: true }, target: 'es2022', transform: { legacyDecorator: true, decoratorMetadata: true } }, module: { type: 'commonjs' } }];
// The NestJS library's folder is not its package name; its entry goes first (jest tries them in order).
const moduleNameMapper = { '^@breakwater/nestjs$': '<rootDir>/libs/nest-resilience/src', '^@breakwater/(.*)$': '<rootDir>/libs/$1/src' };
const testEnvironment = '<rootDir>/test/support/strict-node-environment.ts';
// forceExit: on this machine jest runs in band, and a socket destroyed by a fault-injection test
// (test/fleet-subscriber.test.ts cuts connections with resets) now and then leaves Node 20 spinning
// in its exit clean-up (Environment::CleanupHandles) after every test has passed and the results
// are written, so the run never ends. process.exit() skips that clean-up.
module.exports = {
  forceExit: true,
  // Jest reads testTimeout from the top-level configuration only (a project's own is ignored): the
  // integration tests' minute applies to both projects.
  testTimeout: 60000,
  waitForUnhandledRejections: true,
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'], transform: { '^.+\\.ts$': swc }, moduleNameMapper, testEnvironment, testEnvironmentOptions: { lateRejectionGraceMs: 50 } },
    { displayName: 'integration', testMatch: ['<rootDir>/test/**/*.test.ts'], transform: { '^.+\\.ts$': swc }, moduleNameMapper, testEnvironment, testEnvironmentOptions: { lateRejectionGraceMs: 300 } },
  ],
};
