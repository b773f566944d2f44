--[[
  Adds one instance's batch of call outcomes to the fleet's window, then applies the trip rule
  (whenever the batch changed the window).
  A batch is counted once, however often it is sent (a flush retried after a timeout): each
  sending session numbers its batches and sends them in order, and the sequences hash keeps the
  highest number counted per session, so a batch at or below it is a repeat. One field per live
  session per breaker; the hash expires two windows after its last write, and the fields of
  sessions silent for two windows are removed whenever a new session appears.

  KEYS[1] state hash      bw:{<breaker>}:state
  KEYS[2] window hash     bw:{<breaker>}:window
  KEYS[3] permits hash    bw:{<breaker>}:permits
  KEYS[4] sequences hash  bw:{<breaker>}:sequences   session id -> '<highest sequence counted>:<Redis ms>'

  ARGV[1] config (JSON: the breaker's resolved numeric settings)
  ARGV[2] breaker name
  ARGV[3] pub/sub channel for transitions
  ARGV[4] jitter sample, uniform in [0, 1)
  ARGV[5] version the outcomes were collected under (outcomes of another episode are dropped)
  ARGV[6] calls
  ARGV[7] failures
  ARGV[8] slow calls
  ARGV[9] 1 when the batch holds a success (it ends the run of consecutive failures)
  ARGV[10] failures after the batch's last success
  ARGV[11] instance id
  ARGV[12] session id (the sending process; unique per start)
  ARGV[13] batch sequence (increases with every batch the session sends to this breaker)
  ARGV[14] age of the batch's newest outcome, ms: it is counted in the bucket of (now - age), so
           outcomes an instance saw while cut off from Redis land where they happened; a batch
           older than the window is dropped

  Returns the snapshot reply (includes/reply.lua) with code
    1 counted, 0 dropped (another episode, not CLOSED, or older than the window; the sequence is
      not recorded),
    -1 already counted (a repeated batch, or one older than a batch counted since),
    2 counted, and the window meets the trip rule but too few instances reported failures
      (minReportingInstances): more of the sender's own failures cannot trip the breaker
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

local session, sequence = ARGV[12], tonumber(ARGV[13])
local seen = rcall('HGET', KEYS[4], session)
if seen and sequence <= tonumber(string.match(seen, '^(%d+)')) then
  return snapshotReply(-1, s, cfg, KEYS[2], now, false)
end
-- A dropped batch is not recorded: after Redis lost its data the sender sends it again, under the
-- new state's version (its outcomes were never counted there), before any later batch.
local ageMs = math.max(0, tonumber(ARGV[14]))
if s.state ~= 'CLOSED' or s.version ~= tonumber(ARGV[5]) or ageMs >= cfg.windowMs then
  return snapshotReply(0, s, cfg, KEYS[2], now, false)
end
rcall('HSET', KEYS[4], session, sequence .. ':' .. now)
rcall('PEXPIRE', KEYS[4], cfg.windowMs * 2)
if not seen then
  -- A new session (a process started): forget those silent for two windows (stopped processes).
  local flat = rcall('HGETALL', KEYS[4])
  for i = 1, #flat, 2 do
    local at = tonumber(string.match(flat[i + 1], ':(%d+)$')) or 0
    if at < now - cfg.windowMs * 2 then rcall('HDEL', KEYS[4], flat[i]) end
  end
end

local calls, failures, slowCalls = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local at = now - ageMs
local epoch = math.floor(at / (cfg.windowMs / cfg.windowBuckets))
if calls > 0 then rcall('HINCRBY', KEYS[2], epoch .. ':c', calls) end
if failures > 0 then rcall('HINCRBY', KEYS[2], epoch .. ':f', failures) end
if slowCalls > 0 then rcall('HINCRBY', KEYS[2], epoch .. ':s', slowCalls) end
if failures + slowCalls > 0 and at > (tonumber(rcall('HGET', KEYS[2], 'r:' .. ARGV[11])) or 0) then
  rcall('HSET', KEYS[2], 'r:' .. ARGV[11], at)
end
rcall('PEXPIRE', KEYS[2], cfg.windowMs * 2)

if ARGV[9] == '1' then s.consecutive = tonumber(ARGV[10]) else s.consecutive = s.consecutive + failures end
rcall('HSET', KEYS[1], 'consecutive', s.consecutive)

-- The rule is evaluated whenever the window changes, not only on failures: a success that brings
-- the window to minimumCalls with the failure rate over the threshold trips it, as it does the
-- local breaker, so the verdict never depends on how outcomes fell into batches.
local code = 1
if calls + failures + slowCalls > 0 then
  local t = windowTotals(KEYS[2], cfg, now, true)
  local reason = tripReason(t, s.consecutive, cfg)
  if reason then
    local ctx = { stateKey = KEYS[1], windowKey = KEYS[2], permitsKey = KEYS[3], cfg = cfg, name = ARGV[2],
      channel = ARGV[3], sample = tonumber(ARGV[4]), now = now }
    transition(ctx, s, 'OPEN', reason)
  elseif ruleReason(t, s.consecutive, cfg) then
    code = 2
  end
end
return snapshotReply(code, s, cfg, KEYS[2], now, true)
