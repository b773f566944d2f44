-- Records a new payment as RECEIVED with its history, audit and outbox entries
-- (create-payment-4.lua, create-payment-5.lua): KEYS[1] to KEYS[4] and ARGV as they describe;
-- returns the audit entry id, or -1 when the payment exists already.
if rcall('EXISTS', KEYS[1]) == 1 then return -1 end
local t = rcall('TIME')
local now = tostring(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
local fields = cjson.decode(ARGV[2])
local flat = { 'status', 'RECEIVED', 'createdAt', now, 'updatedAt', now }
for k, v in pairs(fields) do
  flat[#flat + 1] = k
  flat[#flat + 1] = tostring(v)
end
rcall('HSET', KEYS[1], unpack(flat))
rcall('RPUSH', KEYS[2], cjson.encode({ status = 'RECEIVED', at = tonumber(now), reason = 'received' }))
local auditId = rcall('XADD', KEYS[3], '*', 'type', ARGV[3], 'status', 'RECEIVED', 'at', now, 'data', ARGV[2])
local entry = { 'paymentId', ARGV[1], 'auditId', auditId, 'status', 'RECEIVED', 'provider', '' }
if ARGV[4] and ARGV[4] ~= '' then
  entry[#entry + 1] = 'traceparent'
  entry[#entry + 1] = ARGV[4]
end
rcall('XADD', KEYS[4], '*', unpack(entry))
return auditId
