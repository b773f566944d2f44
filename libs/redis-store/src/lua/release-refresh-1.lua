--[[
  Gives up a refresh claim, only if this holder still has it (it may have expired and passed on).

  KEYS[1] claim   bw:cache:{<cache>:<key>}:refresh   holder id

  ARGV[1] holder id

  Returns 1 released, 0 not held by this holder
]]
local rcall = redis.call

if rcall('GET', KEYS[1]) ~= ARGV[1] then return 0 end
rcall('DEL', KEYS[1])
return 1
