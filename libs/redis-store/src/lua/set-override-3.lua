--[[
  An operator's override, fleet-wide: force the breaker open, disable it, or reset it to CLOSED
  (empty window, open backoff back to its first step). Safe to repeat.

  KEYS[1] state hash      bw:{<breaker>}:state
  KEYS[2] window hash     bw:{<breaker>}:window
  KEYS[3] permits hash    bw:{<breaker>}:permits

  ARGV[1] config (JSON)
  ARGV[2] breaker name
  ARGV[3] pub/sub channel for transitions
  ARGV[4] jitter sample (unused by overrides; kept so every transition script takes the same ARGV head)
  ARGV[5] 'FORCED_OPEN', 'DISABLED' or 'CLOSED'

  Returns the snapshot reply (includes/reply.lua) with code 1 changed, 0 already so,
  -2 unknown override
]]
local rcall = redis.call
-- @include "now"
-- @include "state"
-- @include "window"
-- @include "transition"
-- @include "reply"

local cfg = cjson.decode(ARGV[1])
local now = nowMs()
local s = loadState(KEYS[1], cfg, now)
local to = ARGV[5]
local reasons = { FORCED_OPEN = 'forced-open', DISABLED = 'disabled', CLOSED = 'reset' }
if reasons[to] == nil then return snapshotReply(-2, s, cfg, KEYS[2], now, false) end
-- A reset always starts a new episode (it also clears the window); the others only change state.
if s.state == to and to ~= 'CLOSED' then return snapshotReply(0, s, cfg, KEYS[2], now, false) end
local ctx = { stateKey = KEYS[1], windowKey = KEYS[2], permitsKey = KEYS[3], cfg = cfg, name = ARGV[2],
  channel = ARGV[3], sample = tonumber(ARGV[4]), now = now }
transition(ctx, s, to, reasons[to])
return snapshotReply(1, s, cfg, KEYS[2], now, false)
