--[[
  Records, before a charge is sent, that a provider is about to be asked to charge a RECEIVED
  payment: if the request dies after this, recovery knows the charge is ambiguous and which
  provider to reconcile with. Not a status change (no history or audit entry): the status stays
  RECEIVED. Refused once the payment left RECEIVED (recovery settled it while this request was
  still running), so that request does not send.

  KEYS[1] payment hash     pay:{<shard>}:<id>   attempts: providers asked, comma-separated, in order

  ARGV[1] provider
  ARGV[2] fields to set with it, a JSON object of strings (fraud score, degraded so far, ...)

  Returns { 1, attempts (this one last) } | { -1, current status } | { -2 } (no such payment)
]]
local rcall = redis.call

local record = rcall('HMGET', KEYS[1], 'status', 'attempts')
if not record[1] then return { -2 } end
if record[1] ~= 'RECEIVED' then return { -1, record[1] } end

local attempts = record[2] or ''
if attempts == '' then
  attempts = ARGV[1]
elseif string.sub(attempts, -(#ARGV[1] + 1)) ~= ',' .. ARGV[1] and attempts ~= ARGV[1] then
  attempts = attempts .. ',' .. ARGV[1]
end
local t = rcall('TIME')
local now = tostring(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
local flat = { 'attempts', attempts, 'lastAttemptAt', now }
for k, v in pairs(cjson.decode(ARGV[2])) do
  flat[#flat + 1] = k
  flat[#flat + 1] = tostring(v)
end
rcall('HSET', KEYS[1], unpack(flat))
return { 1, attempts }
