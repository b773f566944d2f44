--[[
  Moves the audit export file's checkpoint, only if it still is the offset the export read
  (compare-and-set): an export that another one overtook (a worker stalled past its job lock, and
  the rerun) cannot move it back, nor over lines it has not accounted for.

  KEYS[1] checkpoints   audit-export:checkpoint   file path -> byte offset

  ARGV[1] file path
  ARGV[2] the offset read (0 when there was none)
  ARGV[3] the new offset

  Returns { 1 } moved, { -1, current offset } when it is no longer ARGV[2]
]]
local rcall = redis.call

local current = tonumber(rcall('HGET', KEYS[1], ARGV[1]) or '0') or 0
if current ~= tonumber(ARGV[2]) then return { -1, current } end
rcall('HSET', KEYS[1], ARGV[1], ARGV[3])
return { 1 }
