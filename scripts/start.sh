#!/usr/bin/env bash
# `npm start`, the quick start's first command: installs what is missing (scripts/setup.sh), starts
# a whole fleet (`npm run fleet`: Redis, the simulator, 3 payment-api instances, nginx) in the
# background, waits until it is ready, and prints where to look. `npm stop` stops it.
#   FLEET_PORT       the load balancer's port (default 8080)
#   FLEET_INSTANCES  payment-api instances (default 3)
#   ADMIN_TOKEN      the admin token, at least 32 characters (default: one generated once and kept
#                    in .fleet/admin-token, mode 0600)
#   OPERATOR_AUTH    token (default): GET /breakers, /queues, /metrics need the admin token; off: public
#   SKIP_SETUP=1     start without running scripts/setup.sh (it is already done)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Everything written here (the token, the READY JSON, the log, the shell file) is this user's only.
umask 077

# shellcheck source=scripts/lib/fleet-state.sh
. scripts/lib/fleet-state.sh
START_TIMEOUT_S="${FLEET_START_TIMEOUT_S:-180}"
log() { printf '[start] %s\n' "$*" >&2; }
fail() {
  log "$*"
  exit 1
}

if [ "${SKIP_SETUP:-0}" = 1 ]; then
  log "SKIP_SETUP=1: not running scripts/setup.sh"
else
  bash scripts/setup.sh || fail "setup failed (its message is above); the fleet was not started"
fi

mkdir -p "$FLEET_STATE_DIR"
chmod 700 "$FLEET_STATE_DIR"
if fleet_running; then
  log "a fleet started by npm start is already running (pid $(cat "$FLEET_PID_FILE")); npm stop stops it"
  print_fleet_summary
  exit 0
fi
rm -f "$FLEET_PID_FILE" "$FLEET_READY_FILE" "$FLEET_ENV_FILE"

token_file="$FLEET_STATE_DIR/admin-token"
if [ -z "${ADMIN_TOKEN:-}" ]; then
  # A token kept by an older version may be shorter than the instances accept now.
  if [ ! -s "$token_file" ] || [ "$(wc -c <"$token_file")" -lt 32 ]; then
    node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("hex"))' >"$token_file"
  fi
  chmod 600 "$token_file"
  ADMIN_TOKEN="$(cat "$token_file")"
elif [ "${#ADMIN_TOKEN}" -lt 32 ]; then
  fail "ADMIN_TOKEN must be at least 32 characters (it has ${#ADMIN_TOKEN}): generate one with: openssl rand -hex 32, or unset it to use $token_file"
fi
# Passed by environment, never as a flag: ps shows command lines to every local user.
export ADMIN_TOKEN
export OPERATOR_AUTH="${OPERATOR_AUTH:-token}"

# After the settings: a bad setting is said whatever else holds the machine.
lb_port="${FLEET_PORT:-8080}"
if port_in_use "$lb_port"; then
  fail "port $lb_port (the load balancer's) is taken by another program: stop it (ss -ltnp 'sport = :$lb_port' shows which), or start on another port with FLEET_PORT=18080 npm start"
fi

log "starting the fleet in the background (its output: $FLEET_LOG_FILE)"
: >"$FLEET_LOG_FILE"
# Its own session, so `npm stop` can signal the launcher's whole process group, and closing this
# terminal does not stop it. The launcher removes its temporary directory when stopped.
setsid node --import tsx scripts/fleet.ts --port "$lb_port" --instances "${FLEET_INSTANCES:-3}" \
  >"$FLEET_STATE_DIR/stdout" 2>>"$FLEET_LOG_FILE" </dev/null &
launcher_pid=$!
printf '%s\n' "$launcher_pid" >"$FLEET_PID_FILE"

deadline=$((SECONDS + START_TIMEOUT_S))
ready_line=""
while [ "$SECONDS" -lt "$deadline" ]; do
  ready_line="$(sed -n 's/^FLEET READY //p' "$FLEET_STATE_DIR/stdout")"
  [ -n "$ready_line" ] && break
  if ! kill -0 "$launcher_pid" 2>/dev/null; then
    rm -f "$FLEET_PID_FILE"
    log "the fleet did not start; the last lines of $FLEET_LOG_FILE:"
    tail -n 15 "$FLEET_LOG_FILE" >&2
    fail "fix what the lines above name (a port taken, Redis not starting, ...), then run npm start again"
  fi
  sleep 0.5
done
if [ -z "$ready_line" ]; then
  log "the fleet was not ready within ${START_TIMEOUT_S} s; stopping it. The last lines of $FLEET_LOG_FILE:"
  tail -n 15 "$FLEET_LOG_FILE" >&2
  bash scripts/stop.sh || true
  exit 1
fi

printf '%s\n' "$ready_line" >"$FLEET_READY_FILE"
write_fleet_env
print_fleet_summary
