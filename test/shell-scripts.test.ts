// Every shell script in the repository passes shellcheck (installed by scripts/setup.sh): the
// setup path is the first thing a newcomer runs, and a shell bug there stops them at once.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** Tracked files that are shell: by extension, or by a sh/bash shebang (`.ci/run` has none). */
function shellScripts(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((file) => file !== '' && !file.startsWith('node_modules/'))
    .filter((file) => {
      if (file.endsWith('.sh')) return true;
      try {
        return /^#!.*\b(ba)?sh\b/.test(readFileSync(join(ROOT, file), 'utf8').slice(0, 100));
      } catch {
        return false; // listed but deleted in the working tree
      }
    });
}

it('finds the scripts it checks', () => {
  expect(shellScripts()).toEqual(expect.arrayContaining(['scripts/setup.sh', 'scripts/lib/apt-packages.sh', '.ci/run']));
});

it('every shell script passes shellcheck', () => {
  const files = shellScripts();
  const result = spawnSync('shellcheck', ['--external-sources', '--format=gcc', ...files], { cwd: ROOT, encoding: 'utf8' });
  if (result.error !== undefined) throw new Error(`shellcheck could not run (${result.error.message}): run bash scripts/setup.sh, which installs it`);
  expect(result.stdout).toBe('');
  expect(result.status).toBe(0);
});
