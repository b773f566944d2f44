--[[
  Moves a payment to a new status, if the state machine allows it, and records the change in its
  status history, its audit stream and its shard's outbox in the same step (the outbox entry is
  what its follow-ups are made from: audit export, notifications, reconciliation).
    RECEIVED       -> AUTHORIZED | DECLINED | PENDING_REVIEW | FAILED
    PENDING_REVIEW -> AUTHORIZED | DECLINED | FAILED   (reconciliation)
  The table is PAYMENT_TRANSITIONS in payment-transitions.ts; test/payment-transitions.test.ts
  runs this script for every pair of statuses and compares.

  KEYS[1] payment hash     pay:{<shard>}:<id>
  KEYS[2] history list     pay:{<shard>}:<id>:history
  KEYS[3] audit stream     pay:{<shard>}:<id>:audit
  KEYS[4] outbox stream    pay:outbox:{<shard>}         paymentId, auditId, status, provider (the record's, after the change),
                                                        and traceparent when ARGV[9] gives one

  ARGV[1] payment id
  ARGV[2] new status
  ARGV[3] fields to set with it, a JSON object of strings (provider, fraud score, ...)
  ARGV[4] reason (free text, kept in history and audit)
  ARGV[5] audit entry type
  ARGV[6] retention in ms of a payment that reaches a final status (AUTHORIZED, DECLINED, FAILED):
          its hash, history and audit stream expire then; 0 keeps them
  ARGV[7] optional: the move happens only if the payment's provider attempts (record-attempt-1.lua)
          are exactly these (comma-separated; '' = none), i.e. no charge was started meanwhile;
          '*' = any
  ARGV[8] optional: the move happens only if the record's change stamps are still these:
          `createdAt,lastAttemptAt,updatedAt` as read ('' for one the record lacks), i.e. the
          record is the one the caller looked at and nothing touched it since (the sweeper acts
          only on a payment it saw untouched for a lease); '*' = any
  ARGV[9] optional: the W3C traceparent of the request that made the change (tracing on only),
          written into the outbox entry so that its follow-ups join the request's trace; ARGV[7]
          and ARGV[8] are '*' when it comes without guards

  Returns { audit entry id, previous status }; { -1, current status } when the move is not
  allowed; { -2 } when there is no such payment; { -3, attempts } when ARGV[7] does not match;
  { -4, stamps } when ARGV[8] does not match
]]
local rcall = redis.call

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
return { id, from }
