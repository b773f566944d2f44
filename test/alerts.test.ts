// The alert rules of deploy/prometheus/alerts.yml, checked and unit-tested by promtool (Debian's
// `prometheus` package, installed by `SETUP_EXTRAS=prometheus bash scripts/setup.sh`; CI sets it):
// the rules parse, every alert has a unit test that makes it fire (deploy/prometheus/tests), and
// every alert links to a runbook page that exists.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const RULES = join(ROOT, 'deploy', 'prometheus', 'alerts.yml');
const TESTS = join(ROOT, 'deploy', 'prometheus', 'tests');

function promtool(args: string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd: ROOT, encoding: 'utf8' });
  if (result.error !== undefined) throw new Error(`promtool could not run (${result.error.message}): run SETUP_EXTRAS=prometheus bash scripts/setup.sh, which installs it`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const rulesText = readFileSync(RULES, 'utf8');
const alertNames = [...rulesText.matchAll(/^\s*- alert: (\S+)$/gm)].map((m) => m[1]);
const testFiles = readdirSync(TESTS).filter((f) => f.endsWith('.yml')).map((f) => join(TESTS, f));

it('promtool check rules accepts the rule file', () => {
  const run = promtool(['check', 'rules', RULES]);
  expect(run.output).toContain('SUCCESS');
  expect(run.status).toBe(0);
});

it('promtool test rules passes every unit test', () => {
  const run = promtool(['test', 'rules', ...testFiles]);
  expect(run.output).not.toContain('FAILED');
  expect(run.status).toBe(0);
});

it('every alert has a unit test in which it fires', () => {
  // An alert counts as tested when a test expects it with labels (exp_alerts not empty).
  const tested = new Set<string>();
  for (const file of testFiles) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/alertname: (\S+)\n\s*exp_alerts:\n\s*- exp_labels/g)) tested.add(m[1]);
  }
  expect(alertNames.length).toBeGreaterThanOrEqual(10);
  expect(alertNames.filter((name) => !tested.has(name))).toEqual([]);
});

it('every alert links to a runbook page that exists', () => {
  const blocks = rulesText.split(/^\s*- alert: /m).slice(1);
  expect(blocks).toHaveLength(alertNames.length);
  for (const block of blocks) {
    const name = block.slice(0, block.indexOf('\n'));
    const runbook = /runbook_url: (\S+)/.exec(block)?.[1];
    expect({ name, runbook }).toEqual({ name, runbook: expect.stringMatching(/^docs\/runbooks\/[a-z-]+\.md$/) });
    expect({ name, exists: existsSync(join(ROOT, runbook ?? '')) }).toEqual({ name, exists: true });
  }
});

it('prometheus.yml loads the alert rules', () => {
  // --syntax-only: the scrape token file exists only inside compose.
  const run = promtool(['check', 'config', '--syntax-only', join(ROOT, 'deploy', 'prometheus', 'prometheus.yml')]);
  expect(run.status).toBe(0);
  expect(readFileSync(join(ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8')).toMatch(/^rule_files:\n\s+- alerts\.yml$/m);
});
