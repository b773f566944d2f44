--[[
  The fleet's retry budget, a token bucket: deposits (a share of a token per request) and the
  per-second floor add tokens, up to maxTokens; a retry takes one whole token.

  KEYS[1] bucket hash   bw:{retry-budget:<name>}   tokens, refilledAt (Redis ms)

  ARGV[1] tokens to deposit (the instance's requests since its last call x ratio)
  ARGV[2] 1 to take a token for a retry, 0 to only deposit
  ARGV[3] tokens added per second whatever the traffic
  ARGV[4] most tokens the bucket holds

  Returns { granted (1 when a token was taken, else 0), tokens left as a string }
]]
local rcall = redis.call
-- @include "now"

local now = nowMs()
local minPerSecond, maxTokens = tonumber(ARGV[3]), tonumber(ARGV[4])
local raw = rcall('HMGET', KEYS[1], 'tokens', 'refilledAt')
-- A new bucket starts with the floor's worth, not full: a fresh fleet must not burst.
local tokens = tonumber(raw[1]) or math.min(maxTokens, minPerSecond)
local refilledAt = tonumber(raw[2]) or now
tokens = tokens + math.max(0, now - refilledAt) / 1000 * minPerSecond + tonumber(ARGV[1])
if tokens > maxTokens then tokens = maxTokens end
local granted = 0
-- The share per request is a float: ten deposits of 0.1 must buy a retry, not 0.9999999999999999.
if ARGV[2] == '1' and tokens >= 1 - 1e-9 then
  tokens = math.max(0, tokens - 1)
  granted = 1
end
rcall('HSET', KEYS[1], 'tokens', tostring(tokens), 'refilledAt', now)
rcall('PEXPIRE', KEYS[1], 3600000)
return { granted, tostring(tokens) }
