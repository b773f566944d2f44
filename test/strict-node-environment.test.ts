// Given a test file whose only test passes but leaves behind a promise that rejects after it has
// finished, when jest runs it with the projects' configuration, then the file fails and names the
// rejection. With jest's own node environment the same file passed: the rejection was dropped
// (or, once the file had ended, crashed the worker after "PASS").
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const FIXTURE = '<rootDir>/test/fixtures/late-rejection.fixture.ts';

interface JestProject {
  displayName: string;
  [setting: string]: unknown;
}
interface JestJsonReport {
  numFailedTestSuites: number;
  numPassedTests: number;
  testResults: { message: string }[];
}

// jest.config.js is CommonJS, and these are the settings under test.
const jestConfig = require('../jest.config.js') as { waitForUnhandledRejections?: boolean; projects: JestProject[] };

/** Runs jest on the fixture with one project's settings; resolves with its --json report. */
function runFixture(project: JestProject): Promise<JestJsonReport> {
  const config = { ...project, rootDir: ROOT, testMatch: [FIXTURE], waitForUnhandledRejections: jestConfig.waitForUnhandledRejections };
  const child = spawn(process.execPath, [require.resolve('jest/bin/jest'), '--config', JSON.stringify(config), '--runInBand', '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', () => {
      try {
        resolve(JSON.parse(stdout) as JestJsonReport);
      } catch {
        reject(new Error(`jest wrote no JSON report\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
      }
    });
  });
}

describe.each(jestConfig.projects.map((p) => [p.displayName, p] as const))('the %s project', (_name, project) => {
  it('fails a test file whose finished test left a rejection unhandled', async () => {
    const report = await runFixture(project);

    expect(report.numPassedTests).toBe(1);
    expect(report.numFailedTestSuites).toBe(1);
    expect(report.testResults[0].message).toContain('UnreportedProcessError');
    expect(report.testResults[0].message).toContain('late rejection from a finished test');
  });
});
