--[[
  Records that a payment's audit entries up to one entry id are in the export file: the payment's
  high-water mark `auditExportedTo` moves forward, never back. The audit export appends a
  payment's entries in stream order, so every entry at or before the mark is exported and every
  entry after it is not (jobs/audit-export-processor.ts).

  KEYS[1] payment hash     pay:{<shard>}:<id>   auditExportedTo: an audit stream id (<ms>-<seq>)

  ARGV[1] audit entry id now in the file

  Returns 1 when the mark moved, 0 when it was there already (or further), -1 when there is no
  such payment (nothing is written: a line of the file never creates a payment)
]]
local rcall = redis.call

local function parse(id)
  local ms, seq = string.match(id or '', '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end

if rcall('EXISTS', KEYS[1]) == 0 then return -1 end
local newMs, newSeq = parse(ARGV[1])
if not newMs then return redis.error_reply('not an audit entry id: ' .. tostring(ARGV[1])) end
local oldMs, oldSeq = parse(rcall('HGET', KEYS[1], 'auditExportedTo'))
if oldMs and (oldMs > newMs or (oldMs == newMs and oldSeq >= newSeq)) then return 0 end
rcall('HSET', KEYS[1], 'auditExportedTo', ARGV[1])
return 1
