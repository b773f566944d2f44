#!/usr/bin/env bash
# `npm stop`: stops the fleet that `npm start` started in the background. The launcher gets
# SIGTERM, stops every part in order and exits; whatever is left after 30 s is killed with its
# process group.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/lib/fleet-state.sh
. scripts/lib/fleet-state.sh
log() { printf '[stop] %s\n' "$*" >&2; }

if ! fleet_running; then
  log "no fleet started by npm start is running"
  rm -f "$FLEET_PID_FILE" "$FLEET_READY_FILE" "$FLEET_ENV_FILE"
  exit 0
fi
pid="$(cat "$FLEET_PID_FILE")"
log "stopping the fleet (launcher pid $pid)"
# The launcher alone: it stops its parts in order (nginx, the instances, then the simulator and
# Redis), so the instances can still flush to their Redis while they stop.
kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 1 300); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
  log "the launcher did not stop within 30 s: killing its process group"
  kill -KILL -- "-$pid" 2>/dev/null || true
fi
rm -f "$FLEET_PID_FILE" "$FLEET_READY_FILE" "$FLEET_ENV_FILE"
log "stopped"
