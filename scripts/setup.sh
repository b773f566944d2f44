#!/usr/bin/env bash
# Brings Breakwater up on a fresh Debian machine with Node 20: installs redis-server and nginx
# (the fleet launcher's load balancer, docs/fleet.md) when they are missing, installs the locked npm
# dependencies, makes sure a Redis answers on 127.0.0.1:6379 (starting one without persistence if
# none does).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

REDIS_PORT="${REDIS_PORT:-6379}"
log() { printf '[setup] %s\n' "$*" >&2; }

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  log "installing redis-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi

# nginx runs only as the fleet launcher's own foreground process (scripts/fleet.ts); the system
# service must not start: port 80 is not ours to take. A policy-rc.d that answers 101 keeps the
# package's postinst from starting it; if it started anyway (systemd), stop and disable it.
nginx_present() { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; }
if ! nginx_present; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  nginx_pkg=""
  for candidate in nginx-light nginx; do
    if apt-cache policy "$candidate" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
      nginx_pkg="$candidate"
      break
    fi
  done
  if [ -z "$nginx_pkg" ]; then
    log "no nginx package found (tried nginx-light, nginx); npm run fleet needs nginx"
    exit 1
  fi
  log "installing $nginx_pkg (its system service stays stopped)"
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    made_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "$nginx_pkg" >/dev/null
  if [ "$made_policy" = 1 ]; then rm -f "$policy"; fi
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now nginx >/dev/null 2>&1 || true
  else
    service nginx stop >/dev/null 2>&1 || true
    update-rc.d nginx disable >/dev/null 2>&1 || true
  fi
fi

log "npm ci"
npm ci --no-audit --no-fund --loglevel=error </dev/null >&2

redis_up() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true)" = "PONG" ]; }
if ! redis_up; then
  log "starting redis-server on 127.0.0.1:$REDIS_PORT"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no >&2
  for _ in $(seq 1 100); do
    redis_up && break
    sleep 0.1
  done
  if ! redis_up; then
    log "redis-server did not answer on 127.0.0.1:$REDIS_PORT within 10 s"
    exit 1
  fi
fi

log "ready: Redis at redis://127.0.0.1:$REDIS_PORT; run the tests with: npm test"
