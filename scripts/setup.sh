#!/usr/bin/env bash
# Brings Breakwater up on a fresh Debian machine with Node 20: installs redis-server when it is
# missing, installs the locked npm dependencies, makes sure a Redis answers on 127.0.0.1:6379
# (starting one without persistence if none does)..
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
