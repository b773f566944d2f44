--[[
  Puts a payment on its shard of the unsettled index, scored with Redis time (the clock of every
  time a payment record holds, and the one the sweeper compares with), not the adding instance's.
  Adding it again (a retry processing the payment anew) moves its score to now.

  KEYS[1] shard of the unsettled index   pay:unsettled:{<n>}   payment id -> added at (ms)

  ARGV[1] payment id

  Returns the score (Redis time, ms)
]]
local rcall = redis.call

local t = rcall('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
rcall('ZADD', KEYS[1], now, ARGV[1])
return now
