# shellcheck shell=bash
# Where `npm start` keeps the background fleet's state, shared with `npm stop`: the launcher's
# pid, its READY JSON, its output, and a shell file with the fleet's URLs for the walkthrough.
# shellcheck disable=SC2034 # the variables are used by the scripts that source this file
FLEET_STATE_DIR="${FLEET_STATE_DIR:-.fleet}"
FLEET_PID_FILE="$FLEET_STATE_DIR/fleet.pid"
FLEET_READY_FILE="$FLEET_STATE_DIR/ready.json"
FLEET_ENV_FILE="$FLEET_STATE_DIR/env"
FLEET_LOG_FILE="$FLEET_STATE_DIR/fleet.log"

# shellcheck source=scripts/lib/ports.sh
. scripts/lib/ports.sh

# True when the launcher recorded in the pid file is alive and is our launcher (not a reused pid).
fleet_running() {
  [ -s "$FLEET_PID_FILE" ] || return 1
  local pid
  pid="$(cat "$FLEET_PID_FILE")"
  kill -0 "$pid" 2>/dev/null || return 1
  case "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" in
    *scripts/fleet.ts*) return 0 ;;
    *) return 1 ;;
  esac
}

# Writes $FLEET_ENV_FILE from the READY JSON: `. .fleet/env` sets LB, SIM, FLEET_REDIS, ADMIN_TOKEN.
write_fleet_env() {
  (umask 077 && node scripts/lib/fleet-summary.mjs env "$FLEET_READY_FILE" >"$FLEET_ENV_FILE")
}

# Where to look, from the READY JSON.
print_fleet_summary() {
  node scripts/lib/fleet-summary.mjs summary "$FLEET_READY_FILE" "$FLEET_STATE_DIR"
}
