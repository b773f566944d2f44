#!/usr/bin/env bash
# A CPU profile of one payment-api instance under load (docs/benchmarks.md, "Where the time goes"):
# a 1-instance fleet for Redis and the simulator, one more instance started here with
# `node --cpu-prof` (refused in NODE_OPTIONS, so the launcher's own cannot be profiled), open-loop
# load aimed at it (10 s of warm-up, then the measured part), then the profile's top functions.
#   bash bench/profile/profile-instance.sh [rate per s, default 100] [seconds, default 30] [output dir, default /tmp/breakwater-profile]
set -euo pipefail
cd "$(dirname "$0")/../.."
RATE=${1:-100}
SECONDS_LOADED=${2:-30}
OUT=${3:-/tmp/breakwater-profile}
WORK=$(mktemp -d)
PORT_LB=$((20000 + RANDOM % 10000))
setsid npm run -s fleet -- --instances 1 --port "$PORT_LB" > "$WORK/fleet.out" 2> "$WORK/fleet.err" &
for _ in $(seq 1 90); do grep -q "FLEET READY" "$WORK/fleet.out" && break; sleep 2; done
read -r DIR SIM REDIS_URL_FILE FLEET_PID < <(sed 's/^FLEET READY //' "$WORK/fleet.out" | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['dir'], d['sim'], d['redisUrlFile'], d['pids']['fleet'])")
stop_fleet() { kill -TERM -- "-$(ps -o pgid= -p "$FLEET_PID" | tr -d ' ')" 2> /dev/null || true; }
trap stop_fleet EXIT
mkdir -p "$OUT"
PORT_API=$((30000 + RANDOM % 10000))
env PORT="$PORT_API" HOST=127.0.0.1 INSTANCE_ID=api-profiled REDIS_URL="$(cat "$REDIS_URL_FILE")" SIM_URL="$SIM" \
  AUDIT_EXPORT_FILE="$DIR/audit-export.jsonl" TRUSTED_PROXIES=127.0.0.1 OPERATOR_AUTH=off TSX_TSCONFIG_PATH="$PWD/tsconfig.json" \
  node --cpu-prof --cpu-prof-dir="$OUT" --import tsx apps/payment-api/src/main.ts > "$WORK/api.out" 2>&1 &
API_PID=$!
for _ in $(seq 1 90); do grep -q "API READY" "$WORK/api.out" && break; sleep 2; done
uptime
node --import tsx bench/profile/drive-load.ts "http://127.0.0.1:$PORT_API" "$RATE" 10
node --import tsx bench/profile/drive-load.ts "http://127.0.0.1:$PORT_API" "$RATE" "$SECONDS_LOADED"
uptime
kill -TERM "$API_PID"
wait "$API_PID" || true
# The newest profile: node names each by date and pid.
PROFILE=$(find "$OUT" -maxdepth 1 -name '*.cpuprofile' -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)
node --import tsx bench/profile/top-functions.ts "$PROFILE" 25
rm -rf "$WORK"
