// The failover-under-load tests (npm run test:failover): whole fleets on a Cluster and on
// Sentinel, about a minute each, so outside the default suite (their files end in .failover.ts,
// which the default testMatch does not take). The same transform and environment as the
// integration tests.
const { join } = require('node:path');
const root = require('../../jest.config.js');
const integration = root.projects.find((p) => p.displayName === 'integration');

module.exports = {
  rootDir: join(__dirname, '..', '..'),
  forceExit: true,
  waitForUnhandledRejections: true,
  testTimeout: 240000, // read at the top level only (a project's own is ignored)
  projects: [{ ...integration, rootDir: join(__dirname, '..', '..'), displayName: 'failover', testMatch: ['<rootDir>/test/failover/**/*.failover.ts'] }],
};
