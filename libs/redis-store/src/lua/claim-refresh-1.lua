--[[
  Claims the right to refresh one cache entry, so that at most one instance calls the downstream
  for it at a time. The holder that has it already keeps it (and extends it).

  KEYS[1] claim   bw:cache:{<cache>:<key>}:refresh   holder id

  ARGV[1] holder id
  ARGV[2] claim length, ms

  Returns 1 claimed, 0 another holder has it
]]
local rcall = redis.call

local current = rcall('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
rcall('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
return 1
