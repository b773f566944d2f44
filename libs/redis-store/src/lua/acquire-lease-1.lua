--[[
  Takes one of a fleet-wide bulkhead's K permits as a lease that expires by itself, so a permit
  held by an instance that died is returned after leaseMs. Expired leases are dropped first.
  Safe to repeat: a lease id already held is renewed and granted again.

  KEYS[1] leases sorted set   bw:{bulkhead:<name>}:leases   lease id -> expiry (Redis ms)

  ARGV[1] the fleet's limit K
  ARGV[2] lease id (unique per call)
  ARGV[3] lease length, ms

  Returns { granted (1 or 0), leases held after this call }
]]
local rcall = redis.call
-- @include "now"

local now = nowMs()
rcall('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local expiry = now + tonumber(ARGV[3])
if rcall('ZSCORE', KEYS[1], ARGV[2]) then
  rcall('ZADD', KEYS[1], expiry, ARGV[2])
  return { 1, rcall('ZCARD', KEYS[1]) }
end
local held = rcall('ZCARD', KEYS[1])
if held >= tonumber(ARGV[1]) then return { 0, held } end
rcall('ZADD', KEYS[1], expiry, ARGV[2])
rcall('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
return { 1, held + 1 }
