// `npm run check:build`: builds the repository (`npm run build`) and starts the compiled gateway
// with plain Node (`node dist/apps/payment-api/src/main.js`, no tsx), on a free port against the
// Redis of REDIS_URL under a key prefix of its own; passes when it prints its API READY line and
// answers GET /health/live 200, then stops it. Exits 1 with the instance's output otherwise.
// `node scripts/check-build.mjs --no-build [root]` checks a tree built already (another checkout).
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';

const args = process.argv.slice(2);
const build = !args.includes('--no-build');
const root = resolve(args.find((a) => !a.startsWith('--')) ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
const READY_WITHIN_MS = 60_000;
let child;
let output = '';
let ready = false;

if (build) {
  const built = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) fail(`npm run build exited with ${built.status}`);
}

const keyPrefix = `check-build:${randomUUID().slice(0, 8)}:`;
child = spawn(process.execPath, [join(root, 'dist', 'apps', 'payment-api', 'src', 'main.js')], {
  cwd: root,
  env: { ...process.env, PORT: '0', INSTANCE_ID: 'check-build', KEY_PREFIX: keyPrefix, LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
child.stdout.on('data', (d) => (output += d));
child.stderr.on('data', (d) => (output += d));
const exited = new Promise((r) => child.once('exit', (code, signal) => r(`exited with ${code ?? signal}`)));

const url = await Promise.race([
  new Promise((r) => {
    const timer = setInterval(() => {
      const line = /API READY (\{.*\})/.exec(output);
      if (line !== null) {
        clearInterval(timer);
        r(JSON.parse(line[1]).url);
      }
    }, 50);
  }),
  exited.then((how) => ready || fail(`the compiled gateway ${how} before API READY`)),
  new Promise((r) => setTimeout(r, READY_WITHIN_MS).unref()).then(() => ready || fail(`no API READY line within ${READY_WITHIN_MS / 1000} s`)),
]);
ready = true;
const live = await fetch(`${url}/health/live`);
child.kill('SIGTERM');
await exited;
await forgetKeys();
if (live.status !== 200) fail(`GET /health/live answered ${live.status}`);
console.log(`check-build: node dist/apps/payment-api/src/main.js started (${url}) and answered GET /health/live 200`);

/** The instance's keys (breakers, queues) go with it: the Redis of REDIS_URL is often shared. */
async function forgetKeys() {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function fail(why) {
  child?.kill('SIGKILL');
  console.error(`check-build: ${why}\n--- its output ---\n${output.slice(-3000)}`);
  process.exit(1);
}
