--[[
  Takes a payment off its shard of the unsettled index, only if its entry is still the one the
  sweeper read (same score): an entry added again meanwhile (a client's retry processing the
  payment anew under the same id) belongs to a live request and stays.

  KEYS[1] shard of the unsettled index   pay:unsettled:{<n>}   payment id -> added at (ms)

  ARGV[1] payment id
  ARGV[2] the score read

  Returns 1 removed, 0 not there or added again since
]]
local rcall = redis.call

local score = rcall('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) ~= tonumber(ARGV[2]) then return 0 end
rcall('ZREM', KEYS[1], ARGV[1])
return 1
