--[[
  Asks for one of the fleet's half-open probe permits. Moves an OPEN breaker whose open interval
  has passed to HALF_OPEN, and a HALF_OPEN breaker stuck longer than halfOpenMaxWaitMs (a probe's
  instance died) back to OPEN. Safe to repeat: the same permit id gets the same answer.

  KEYS[1] state hash      bw:{<breaker>}:state
  KEYS[2] window hash     bw:{<breaker>}:window
  KEYS[3] permits hash    bw:{<breaker>}:permits   permit id -> Redis time granted

  ARGV[1] config (JSON)
  ARGV[2] breaker name
  ARGV[3] pub/sub channel for transitions
  ARGV[4] jitter sample, uniform in [0, 1)
  ARGV[5] permit id (unique per request)

  Returns the snapshot reply (includes/reply.lua) with code
    1 permit granted (run the call as a probe), 2 CLOSED or DISABLED (run it as a normal call),
    0 refused (reject the call; retryAfterMs says for how long)
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
local ctx = { stateKey = KEYS[1], windowKey = KEYS[2], permitsKey = KEYS[3], cfg = cfg, name = ARGV[2],
  channel = ARGV[3], sample = tonumber(ARGV[4]), now = now }

if s.state == 'CLOSED' or s.state == 'DISABLED' then return snapshotReply(2, s, cfg, KEYS[2], now, false) end
if s.state == 'HALF_OPEN' and rcall('HEXISTS', KEYS[3], ARGV[5]) == 1 then
  return snapshotReply(1, s, cfg, KEYS[2], now, false)
end
if s.state == 'OPEN' and now >= s.openUntil then transition(ctx, s, 'HALF_OPEN', 'open-interval-elapsed') end
if s.state ~= 'HALF_OPEN' then return snapshotReply(0, s, cfg, KEYS[2], now, false) end

if s.permitsIssued < cfg.halfOpenPermits then
  s.permitsIssued = s.permitsIssued + 1
  rcall('HSET', KEYS[1], 'permitsIssued', s.permitsIssued)
  rcall('HSET', KEYS[3], ARGV[5], now)
  return snapshotReply(1, s, cfg, KEYS[2], now, false)
end
if now - s.halfOpenSince >= cfg.halfOpenMaxWaitMs then transition(ctx, s, 'OPEN', 'half-open-expired') end
return snapshotReply(0, s, cfg, KEYS[2], now, false)
