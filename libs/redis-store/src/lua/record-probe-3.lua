--[[
  Records the verdict of a half-open probe: enough successes close the breaker, a failure reopens
  it with the next open-interval step. Safe to repeat: a permit is consumed by its first verdict,
  and a verdict for a permit of an earlier episode is ignored.

  KEYS[1] state hash      bw:{<breaker>}:state
  KEYS[2] window hash     bw:{<breaker>}:window
  KEYS[3] permits hash    bw:{<breaker>}:permits

  ARGV[1] config (JSON)
  ARGV[2] breaker name
  ARGV[3] pub/sub channel for transitions
  ARGV[4] jitter sample, uniform in [0, 1)
  ARGV[5] permit id
  ARGV[6] 1 the probe passed, 0 it failed (or was slow), 'release' it ended without a verdict
          (its error says nothing about the downstream): the permit can be granted again

  Returns the snapshot reply (includes/reply.lua) with code 1 counted, 0 ignored
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

if s.state ~= 'HALF_OPEN' or rcall('HDEL', KEYS[3], ARGV[5]) == 0 then
  return snapshotReply(0, s, cfg, KEYS[2], now, false)
end
if ARGV[6] == 'release' then
  s.permitsIssued = math.max(0, s.permitsIssued - 1)
  rcall('HSET', KEYS[1], 'permitsIssued', s.permitsIssued)
  return snapshotReply(1, s, cfg, KEYS[2], now, false)
end
local ctx = { stateKey = KEYS[1], windowKey = KEYS[2], permitsKey = KEYS[3], cfg = cfg, name = ARGV[2],
  channel = ARGV[3], sample = tonumber(ARGV[4]), now = now }
if ARGV[6] ~= '1' then
  transition(ctx, s, 'OPEN', 'probe-failed')
else
  s.probeSuccesses = s.probeSuccesses + 1
  if s.probeSuccesses >= cfg.halfOpenSuccessThreshold then
    transition(ctx, s, 'CLOSED', 'probes-succeeded')
  else
    rcall('HSET', KEYS[1], 'probeSuccesses', s.probeSuccesses)
  end
end
return snapshotReply(1, s, cfg, KEYS[2], now, false)
