// Two projects: unit tests sit beside the code and need nothing; integration tests in test/ talk
// to a real Redis (REDIS_URL, default redis://127.0.0.1:6379) and start their own redis-server
// when they need to kill or restart one.
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript', decorators: true }, target: 'es2022', transform: { legacyDecorator: true, decoratorMetadata: true } }, module: { type: 'commonjs' } }];
const moduleNameMapper = { '^@breakwater/(.*)$': '<rootDir>/libs/$1/src' };
module.exports = {
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'], transform: { '^.+\\.ts$': swc }, moduleNameMapper, testEnvironment: 'node' },
    { displayName: 'integration', testMatch: ['<rootDir>/test/**/*.test.ts'], transform: { '^.+\\.ts$': swc }, moduleNameMapper, testEnvironment: 'node', testTimeout: 60000 },
  ],
};
