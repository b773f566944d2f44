--[[
  Moves a payment's entry on its shard of the unsettled index to a later score, only if it is
  still the one the sweeper read (same score): a recovery that failed is looked at again after a
  while, and the entries behind it get their turn (a round takes the oldest entries only). An
  entry added again meanwhile (a live request) keeps its score.

  KEYS[1] shard of the unsettled index   pay:unsettled:{<n>}   payment id -> added at (ms)

  ARGV[1] payment id
  ARGV[2] the score read
  ARGV[3] the new score

  Returns 1 moved, 0 not there or added again since
]]
local rcall = redis.call

local score = rcall('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) ~= tonumber(ARGV[2]) then return 0 end
rcall('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[1])
return 1
