// scripts/audit-dependencies.sh (run by .ci/run): fails on high or critical advisories against
// the production dependencies, passes on a clean report, and passes, saying so, when the registry
// serves no advisories (this machine's registry answers the audit endpoint with 405). A stand-in
// `npm` on the PATH gives each answer.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(__dirname, '..', 'scripts', 'audit-dependencies.sh');
let bin: string;

beforeEach(() => {
  bin = mkdtempSync(join(tmpdir(), 'bw-audit-'));
});

afterEach(() => {
  rmSync(bin, { recursive: true, force: true });
});

function auditWith(answer: object, exitCode: number): { status: number | null; stderr: string } {
  writeFileSync(join(bin, 'answer.json'), JSON.stringify(answer));
  writeFileSync(join(bin, 'npm'), `#!/bin/sh\ncat "${join(bin, 'answer.json')}"\nexit ${exitCode}\n`);
  chmodSync(join(bin, 'npm'), 0o755);
  const run = spawnSync('bash', [SCRIPT], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
  return { status: run.status, stderr: run.stderr };
}

const vulnerabilities = (v: Partial<Record<'critical' | 'high' | 'moderate' | 'low', number>>): object => ({ metadata: { vulnerabilities: { critical: 0, high: 0, moderate: 0, low: 0, ...v } } });

it('fails on a high or critical advisory', () => {
  expect(auditWith(vulnerabilities({ high: 1 }), 1)).toMatchObject({ status: 1, stderr: expect.stringContaining('0 critical, 1 high') });
  expect(auditWith(vulnerabilities({ critical: 2 }), 1).status).toBe(1);
});

it('passes when only moderate or low advisories are found, or none', () => {
  expect(auditWith(vulnerabilities({ moderate: 3, low: 1 }), 0)).toMatchObject({ status: 0, stderr: expect.stringContaining('3 moderate, 1 low') });
  expect(auditWith(vulnerabilities({}), 0).status).toBe(0);
});

it('passes and says so when the registry serves no advisories', () => {
  const run = auditWith({ message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', statusCode: 405 }, 1);
  expect(run).toMatchObject({ status: 0, stderr: expect.stringContaining('advisories unavailable: 405 Method Not Allowed') });
});
