--[[
  Reads a breaker's fleet state and window totals. Writes only to clamp times that a faster clock
  left in the future (includes/state.lua, includes/window.lua), which must be saved when found.

  KEYS[1] state hash      bw:{<breaker>}:state
  KEYS[2] window hash     bw:{<breaker>}:window

  ARGV[1] config (JSON)

  Returns the snapshot reply (includes/reply.lua) with code 1
]]
local rcall = redis.call
-- @include "now"
-- @include "state"
-- @include "window"
-- @include "reply"

local cfg = cjson.decode(ARGV[1])
local now = nowMs()
return snapshotReply(1, loadState(KEYS[1], cfg, now), cfg, KEYS[2], now, false)
