// Tests that start whole fleets only to compare with a default test (npm run test:slow): outside
// the default suite, whose CI run is near its budget (their files end in .slow.ts, which the
// default testMatch does not take). The same transform and environment as the integration tests.
const { join } = require('node:path');
const root = require('../../jest.config.js');
const integration = root.projects.find((p) => p.displayName === 'integration');

module.exports = {
  rootDir: join(__dirname, '..', '..'),
  forceExit: true,
  waitForUnhandledRejections: true,
  testTimeout: 120000, // read at the top level only (a project's own is ignored)
  projects: [{ ...integration, rootDir: join(__dirname, '..', '..'), displayName: 'slow', testMatch: ['<rootDir>/test/slow/**/*.slow.ts'] }],
};
