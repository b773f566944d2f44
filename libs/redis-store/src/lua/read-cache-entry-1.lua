--[[
  Reads a cache entry with its age by Redis time, so every instance agrees on freshness.

  KEYS[1] entry hash   bw:cache:{<cache>:<key>}   v (value), at (Redis ms when stored)

  Returns { value, age in ms }, or nil when there is no entry
]]
local rcall = redis.call
-- @include "now"

local entry = rcall('HMGET', KEYS[1], 'v', 'at')
if not entry[1] then return nil end
return { entry[1], nowMs() - tonumber(entry[2]) }
