-- Moves a payment to another status with its history, audit and outbox entries
-- (transition-payment-4.lua, transition-payment-5.lua): KEYS[1] to KEYS[4] and ARGV as they
-- describe. Calls settled(), which the including script defines, once the change is written.
local allowed = {
  RECEIVED = { AUTHORIZED = true, DECLINED = true, PENDING_REVIEW = true, FAILED = true },
  PENDING_REVIEW = { AUTHORIZED = true, DECLINED = true, FAILED = true },
}
local from = rcall('HGET', KEYS[1], 'status')
if not from then return { -2 } end
local to = ARGV[2]
if not (allowed[from] and allowed[from][to]) then return { -1, from } end
if ARGV[7] and ARGV[7] ~= '*' then
  local attempts = rcall('HGET', KEYS[1], 'attempts') or ''
  if attempts ~= ARGV[7] then return { -3, attempts } end
end
if ARGV[8] and ARGV[8] ~= '*' then
  local s = rcall('HMGET', KEYS[1], 'createdAt', 'lastAttemptAt', 'updatedAt')
  local stamps = (s[1] or '') .. ',' .. (s[2] or '') .. ',' .. (s[3] or '')
  if stamps ~= ARGV[8] then return { -4, stamps } end
end

local t = rcall('TIME')
local now = tostring(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
local flat = { 'status', to, 'updatedAt', now }
for k, v in pairs(cjson.decode(ARGV[3])) do
  flat[#flat + 1] = k
  flat[#flat + 1] = tostring(v)
end
rcall('HSET', KEYS[1], unpack(flat))
rcall('RPUSH', KEYS[2], cjson.encode({ status = to, at = tonumber(now), reason = ARGV[4] }))
local id = rcall('XADD', KEYS[3], '*', 'type', ARGV[5], 'status', to, 'at', now, 'reason', ARGV[4], 'data', ARGV[3])
local entry = { 'paymentId', ARGV[1], 'auditId', id, 'status', to, 'provider', rcall('HGET', KEYS[1], 'provider') or '' }
if ARGV[9] and ARGV[9] ~= '' then
  entry[#entry + 1] = 'traceparent'
  entry[#entry + 1] = ARGV[9]
end
rcall('XADD', KEYS[4], '*', unpack(entry))
local retention = tonumber(ARGV[6])
if retention > 0 and (to == 'AUTHORIZED' or to == 'DECLINED' or to == 'FAILED') then
  for i = 1, 3 do rcall('PEXPIRE', KEYS[i], retention) end
end
settled()
return { id, from }
