// The install path of scripts/setup.sh, run for real against stand-in apt commands on the PATH:
// package selection survives an apt-cache whose output is long enough that a reader stopping at
// the first match would kill it with SIGPIPE (the bug that kept nginx from ever installing), the
// one install function installs the package apt offers and says clearly why it cannot, and no
// script reaches apt any other way.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const LIBRARY = join(ROOT, 'scripts', 'lib', 'apt-packages.sh');
/** Far more than a pipe's 64 KiB buffer: the writer is still writing when a reader would stop. */
const FILLER_LINES = 20_000;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The tools the library and the stand-ins use, and nothing else of the machine's: a command the machine happens to have (promtool once CI installed it) must not look installed here. */
const BASIC_TOOLS = ['bash', 'env', 'sh', 'chmod', 'grep', 'id', 'rm', 'tail', 'tr', 'cat'];

let bin: string;
let basics: string;

beforeEach(() => {
  bin = mkdtempSync(join(tmpdir(), 'bw-apt-'));
  basics = join(bin, '.basics');
  mkdirSync(basics);
  for (const tool of BASIC_TOOLS) {
    const path = ['/usr/bin', '/bin'].map((dir) => join(dir, tool)).find((candidate) => existsSync(candidate));
    if (path !== undefined) symlinkSync(path, join(basics, tool));
  }
});

afterEach(() => {
  rmSync(bin, { recursive: true, force: true });
});

function writeExecutable(name: string, body: string): void {
  const path = join(bin, name);
  writeFileSync(path, `#!/usr/bin/env bash\n${body}\n`);
  chmodSync(path, 0o755);
}

/** An apt-cache that knows `candidates` (package -> version, or '(none)'), as Debian's prints it. */
function standInAptCache(candidates: Record<string, string>): void {
  const cases = Object.entries(candidates)
    .map(([name, version]) => `  ${name}) printf '%s:\\n  Installed: (none)\\n  Candidate: %s\\n  Version table:\\n' ${name} '${version}' ;;`)
    .join('\n');
  writeExecutable(
    'apt-cache',
    `[ "$1" = policy ] || exit 64
case "$2" in
${cases}
  *) exit 0 ;;
esac
for i in $(seq 1 ${FILLER_LINES}); do printf '     1.22.1-9+deb12u%s 500 http://deb.debian.org/debian bookworm/main amd64 Packages\\n' "$i"; done`,
  );
}

/** An apt-get that logs its arguments and "installs" a package by putting its command on the PATH. */
function standInAptGet(installs: Record<string, string>): void {
  const cases = Object.entries(installs)
    .map(([pkg, command]) => `      ${pkg}) printf '#!/bin/sh\\nexit 0\\n' >"${bin}/${command}"; chmod +x "${bin}/${command}" ;;`)
    .join('\n');
  writeExecutable(
    'apt-get',
    `printf '%s\\n' "$*" >>"${bin}/apt-get.log"
# Another apt run holds the lock: only a caller that waits for it gets through.
case "$*" in *DPkg::Lock::Timeout=*) ;; *) echo "E: Could not get lock /var/lib/dpkg/lock-frontend" >&2; exit 100 ;; esac
[ "$3" = update ] && exit 0
for arg in "$@"; do
  case "$arg" in
${cases}
  esac
done`,
  );
  // Whoever runs the test, root or not, goes through the same path.
  writeExecutable('sudo', '[ "$1" = -n ] && shift; exec "$@"');
}

/** Runs `script` in bash with the library sourced, pipefail on, and only our stand-ins and the basics. */
function runWithLibrary(script: string): Run {
  const result = spawnSync('bash', ['-c', `set -euo pipefail\nlog() { printf '[setup] %s\\n' "$*" >&2; }\n. ${JSON.stringify(LIBRARY)}\n${script}`], {
    encoding: 'utf8',
    env: { PATH: `${bin}:${basics}`, APT_POLICY_RC_D: join(bin, 'policy-rc.d'), HOME: bin },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

it('picks the first package apt has a candidate for, even when apt-cache writes a long answer', () => {
  standInAptCache({ 'nginx-light': '1.22.1-9+deb12u11', nginx: '1.22.1-9+deb12u11' });
  const run = runWithLibrary('pick_apt_package nginx-light nginx');
  expect(run).toMatchObject({ status: 0, stdout: 'nginx-light\n' });
});

it('skips a package with no candidate and fails when none has one', () => {
  standInAptCache({ 'nginx-light': '(none)', nginx: '1.22.1-9+deb12u11' });
  expect(runWithLibrary('pick_apt_package nginx-light nginx')).toMatchObject({ status: 0, stdout: 'nginx\n' });
  expect(runWithLibrary('pick_apt_package nginx-light').status).toBe(1);
  expect(runWithLibrary('pick_apt_package not-a-package').status).toBe(1);
});

it('installs the chosen package with its service kept from starting, then finds the command', () => {
  standInAptCache({ 'bw-test-light': '1.0', 'bw-test': '1.0' });
  standInAptGet({ 'bw-test-light': 'bw-test-cmd' });
  const run = runWithLibrary('ensure_command bw-test-cmd "a test" bw-test-light bw-test');
  expect(run.stderr).toContain('installing bw-test-light (a test)');
  expect(run.status).toBe(0);
  const calls = readFileSync(join(bin, 'apt-get.log'), 'utf8').trim().split('\n');
  expect(calls).toEqual(['-o DPkg::Lock::Timeout=300 update -qq', '-o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends bw-test-light']);
  // The policy-rc.d made for the install is gone again.
  expect(existsSync(join(bin, 'policy-rc.d'))).toBe(false);
});

it('does nothing when the command is already there', () => {
  writeExecutable('bw-present', 'exit 0');
  standInAptGet({});
  expect(runWithLibrary('ensure_command bw-present "a test" bw-present').status).toBe(0);
  expect(existsSync(join(bin, 'apt-get.log'))).toBe(false);
});

it('says why and what to do when it cannot install', () => {
  // No apt-get at all: only our bin and a PATH without Debian's tools.
  const noApt = spawnSync('/bin/bash', ['-c', `log() { printf '[setup] %s\\n' "$*" >&2; }\n. ${JSON.stringify(LIBRARY)}\nensure_command bw-missing "a test" bw-missing`], {
    encoding: 'utf8',
    env: { PATH: bin },
  });
  expect(noApt.status).toBe(1);
  expect(noApt.stderr).toMatch(/bw-missing is missing \(a test\) and this machine has no apt-get: install one of \[bw-missing\]/);

  standInAptCache({ 'bw-missing': '(none)' });
  standInAptGet({});
  const noCandidate = runWithLibrary('ensure_command bw-missing "a test" bw-missing');
  expect(noCandidate.status).toBe(1);
  expect(noCandidate.stderr).toMatch(/apt has no candidate for any of \[bw-missing\]/);

  writeExecutable('apt-get', '[ "$3" = update ] && { echo "Temporary failure resolving deb.debian.org" >&2; exit 100; }; exit 0');
  const offline = runWithLibrary('ensure_command bw-missing "a test" bw-missing');
  expect(offline.status).toBe(1);
  expect(offline.stderr).toMatch(/apt-get update failed: the package mirror could not be reached/);
  expect(offline.stderr).toContain('Temporary failure resolving deb.debian.org');
});

it('says that sudo needs a password rather than blaming the network, when it cannot ask for one', () => {
  standInAptCache({ 'bw-missing': '1.0' });
  standInAptGet({ 'bw-missing': 'bw-missing' });
  writeExecutable('id', '[ "$1" = -u ] && echo 1000');
  writeExecutable('sudo', 'echo "sudo: a terminal is required to read the password" >&2; exit 1');
  const run = runWithLibrary('ensure_command bw-missing "a test" bw-missing');
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(/sudo wants a password it cannot ask for here; run sudo -v first/);
  expect(existsSync(join(bin, 'apt-get.log'))).toBe(false);
});

it('every apt install in the project goes through ensure_command', () => {
  const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((file) => file !== '' && !file.startsWith('test/') && file !== 'scripts/lib/apt-packages.sh' && !file.endsWith('.md') && existsSync(join(ROOT, file)));
  const offenders = files.filter((file) => /apt-get\s+install|apt-cache\s+policy/.test(readFileSync(join(ROOT, file), 'utf8')));
  expect(offenders).toEqual([]);
});

describe('setup extras (SETUP_EXTRAS): opt-in, through the same install path', () => {
  it('installs nothing extra by default', () => {
    standInAptGet({});
    expect(runWithLibrary('ensure_setup_extras ""').status).toBe(0);
    expect(existsSync(join(bin, 'apt-get.log'))).toBe(false);
  });

  it('installs promtool from prometheus and chromium from chromium when asked', () => {
    standInAptCache({ prometheus: '2.42.0+ds-5+deb12u1', chromium: '156.0.8078.114-1~deb12u1' });
    standInAptGet({ prometheus: 'promtool', chromium: 'chromium' });
    const run = runWithLibrary('ensure_setup_extras "prometheus, chromium"');
    expect(run.stderr).toContain('installing prometheus (alert rule checks');
    expect(run.stderr).toContain('installing chromium (the dashboard');
    expect(run.status).toBe(0);
    const installs = readFileSync(join(bin, 'apt-get.log'), 'utf8').trim().split('\n').filter((line) => line.includes(' install '));
    expect(installs).toEqual(['-o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends prometheus', '-o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends chromium']);
  });

  it('refuses an unknown extra before installing anything', () => {
    standInAptCache({ prometheus: '2.42.0+ds-5+deb12u1' });
    standInAptGet({ prometheus: 'promtool' });
    const run = runWithLibrary('ensure_setup_extras "prometheus,chromeum"');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/unknown setup extra 'chromeum' in SETUP_EXTRAS: the known ones are \[prometheus chromium nftables\]/);
    expect(existsSync(join(bin, 'apt-get.log'))).toBe(false);
  });

  it('setup.sh asks for the extras of SETUP_EXTRAS, and only after the default packages', () => {
    const setup = readFileSync(join(ROOT, 'scripts', 'setup.sh'), 'utf8');
    const extras = setup.indexOf('ensure_setup_extras "${SETUP_EXTRAS:-}"');
    expect(extras).toBeGreaterThan(setup.indexOf('ensure_command shellcheck'));
  });
});
