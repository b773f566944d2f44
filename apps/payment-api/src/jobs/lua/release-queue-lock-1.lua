--[[
  Releases a queue's dead-letter lock, only if this holder still has it (it may have expired and
  been taken by another instance).

  KEYS[1] lock   <bull prefix>:<queue>:dead-letter-lock   holder token

  ARGV[1] holder token

  Returns 1 released, 0 not held by this holder
]]
local rcall = redis.call

if rcall('GET', KEYS[1]) ~= ARGV[1] then return 0 end
rcall('DEL', KEYS[1])
return 1
