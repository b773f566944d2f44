# shellcheck shell=bash
# Makes sure a Redis answers on 127.0.0.1:<port> (the tests' shared scratch Redis): starts one
# without persistence when the port is free, and says what to do when another program holds it.
# Sourced by scripts/setup.sh; expects a `log` function; tested by test/setup-local-redis.test.ts.

# shellcheck source=scripts/lib/ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

local_redis_answer() { redis-cli -h 127.0.0.1 -p "$1" ping 2>&1 || true; }

# ensure_local_redis PORT: 0 once a Redis answers PING there, 1 with a message otherwise.
ensure_local_redis() {
  local port="$1" answer redis_log
  [ "$(local_redis_answer "$port")" = "PONG" ] && return 0
  if port_in_use "$port"; then
    answer="$(local_redis_answer "$port")"
    log "port $port is taken by a program that is not a Redis answering PING (${answer%%$'\n'*}): stop it, or run with REDIS_PORT=<another port> and REDIS_URL=redis://127.0.0.1:<that port>"
    return 1
  fi
  log "starting redis-server on 127.0.0.1:$port (no persistence: the tests' scratch Redis)"
  redis_log="${TMPDIR:-/tmp}/breakwater-redis-$port.log"
  if ! redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no --logfile "$redis_log" >&2; then
    log "redis-server would not start: see $redis_log"
    return 1
  fi
  for _ in $(seq 1 100); do
    [ "$(local_redis_answer "$port")" = "PONG" ] && return 0
    sleep 0.1
  done
  log "redis-server did not answer on 127.0.0.1:$port within 10 s; its log: $redis_log ($(tail -n 2 "$redis_log" 2>/dev/null | tr '\n' ' '))"
  return 1
}
