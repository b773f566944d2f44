#!/usr/bin/env bash
# Installs what Breakwater needs on a Debian machine with Node 20, then makes sure a Redis answers
# on 127.0.0.1:6379 (the tests' shared Redis). Safe to run again: it skips what is already there.
#   apt (root or sudo, only when something is missing): redis-server, nginx (the fleet's load
#   balancer, docs/fleet.md), shellcheck (npm test checks every shell script with it)
#   npm: the locked dependencies (npm ci), skipped when node_modules matches package-lock.json
#   SETUP_EXTRAS (opt-in, comma-separated; CI sets them all): prometheus (promtool and the
#   prometheus server for the alert tests), chromium (the dashboard's browser test), nftables
#   (nft, for the chaos suite's partition of one instance from Redis). Off by
#   default: they are large, and the default setup must stay quick on a fresh machine.
# `npm start` runs this first; CI (.ci/run) runs it on a fresh clone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

REDIS_PORT="${REDIS_PORT:-6379}"
log() { printf '[setup] %s\n' "$*" >&2; }
fail() {
  log "$*"
  exit 1
}
# shellcheck source=scripts/lib/apt-packages.sh
. scripts/lib/apt-packages.sh
# shellcheck source=scripts/lib/local-redis.sh
. scripts/lib/local-redis.sh

node_ok() {
  command -v node >/dev/null 2>&1 && node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a===20&&b>=11||a>=22?0:1)'
}
node_ok || fail "Node.js 20.11 or newer (20.x or 22+) is needed and $(command -v node >/dev/null 2>&1 && node --version || echo 'none') was found: install it (https://nodejs.org or your distribution), then run this again"
command -v npm >/dev/null 2>&1 || fail "npm is missing: it comes with Node.js; reinstall Node.js 20, then run this again"

ensure_command redis-server "the tests' Redis and the fleet's own" redis-server || fail "setup stopped: redis-server could not be installed"
ensure_command redis-cli "talking to Redis" redis-tools redis-server || fail "setup stopped: redis-cli could not be installed"
nginx_was_present=0
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then nginx_was_present=1; fi
ensure_command nginx "the fleet's load balancer (npm start, npm run fleet)" nginx-light nginx || fail "setup stopped: nginx could not be installed"
if [ "$nginx_was_present" = 0 ]; then
  # The package's own service must not run (port 80 is not ours): the fleet runs nginx itself.
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    as_root systemctl disable --now nginx >/dev/null 2>&1 || true
  else
    as_root service nginx stop >/dev/null 2>&1 || true
    as_root update-rc.d nginx disable >/dev/null 2>&1 || true
  fi
fi
ensure_command shellcheck "npm test checks every shell script" shellcheck || fail "setup stopped: shellcheck could not be installed"
ensure_setup_extras "${SETUP_EXTRAS:-}" || fail "setup stopped: the extras of SETUP_EXTRAS=${SETUP_EXTRAS:-} could not be installed"

# npm ci wipes and reinstalls node_modules; skip it when the lock file is what was installed.
lock_stamp=node_modules/.breakwater-lock.sha256
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$lock_stamp" ] && [ "$(cat "$lock_stamp")" = "$lock_sum" ]; then
  log "npm dependencies are up to date"
else
  log "npm ci"
  if ! npm ci --no-audit --no-fund --loglevel=error </dev/null >&2; then
    fail "npm ci failed: see npm's message above (no network to the npm registry? set npm's registry or proxy, then run this again)"
  fi
  printf '%s\n' "$lock_sum" >"$lock_stamp"
fi

ensure_local_redis "$REDIS_PORT" || fail "setup stopped: no Redis on 127.0.0.1:$REDIS_PORT"

log "ready: Redis at redis://127.0.0.1:$REDIS_PORT, nginx, shellcheck and the npm dependencies are installed"
