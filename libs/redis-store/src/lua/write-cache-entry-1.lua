--[[
  Stores a cache entry as new (age 0 by Redis time).

  KEYS[1] entry hash   bw:cache:{<cache>:<key>}   v, at

  ARGV[1] value
  ARGV[2] how long Redis keeps it, ms (fresh + stale period)

  Returns 1
]]
local rcall = redis.call
-- @include "now"

rcall('HSET', KEYS[1], 'v', ARGV[1], 'at', nowMs())
rcall('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
