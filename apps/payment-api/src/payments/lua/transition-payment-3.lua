--[[
  Moves a payment to a new status, if the state machine allows it, and records the change in its
  status history and its audit stream in the same step.
    RECEIVED       -> AUTHORIZED | DECLINED | PENDING_REVIEW | FAILED
    PENDING_REVIEW -> AUTHORIZED | DECLINED | FAILED   (reconciliation)
  The table is PAYMENT_TRANSITIONS in payment-transitions.ts; test/payment-transitions.test.ts
  runs this script for every pair of statuses and compares.

  KEYS[1] payment hash     pay:{<id>}
  KEYS[2] history list     pay:{<id>}:history
  KEYS[3] audit stream     pay:{<id>}:audit

  ARGV[1] new status
  ARGV[2] fields to set with it, a JSON object of strings (provider, fraud score, ...)
  ARGV[3] reason (free text, kept in history and audit)
  ARGV[4] audit entry type
  ARGV[5] optional: the move happens only if the payment's provider attempts (record-attempt-1.lua)
          are exactly these (comma-separated; '' = none), i.e. no charge was started meanwhile;
          '*' = any
  ARGV[6] optional: the move happens only if the record's change stamps are still these:
          `createdAt,lastAttemptAt,updatedAt` as read ('' for one the record lacks), i.e. the
          record is the one the caller looked at and nothing touched it since (the sweeper acts
          only on a payment it saw untouched for a lease)

  Returns { audit entry id, previous status }; { -1, current status } when the move is not
  allowed; { -2 } when there is no such payment; { -3, attempts } when ARGV[5] does not match;
  { -4, stamps } when ARGV[6] does not match
]]
local rcall = redis.call

local allowed = {
  RECEIVED = { AUTHORIZED = true, DECLINED = true, PENDING_REVIEW = true, FAILED = true },
  PENDING_REVIEW = { AUTHORIZED = true, DECLINED = true, FAILED = true },
}
local from = rcall('HGET', KEYS[1], 'status')
if not from then return { -2 } end
if not (allowed[from] and allowed[from][ARGV[1]]) then return { -1, from } end
if ARGV[5] and ARGV[5] ~= '*' then
  local attempts = rcall('HGET', KEYS[1], 'attempts') or ''
  if attempts ~= ARGV[5] then return { -3, attempts } end
end
if ARGV[6] then
  local s = rcall('HMGET', KEYS[1], 'createdAt', 'lastAttemptAt', 'updatedAt')
  local stamps = (s[1] or '') .. ',' .. (s[2] or '') .. ',' .. (s[3] or '')
  if stamps ~= ARGV[6] then return { -4, stamps } end
end

local t = rcall('TIME')
local now = tostring(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
local flat = { 'status', ARGV[1], 'updatedAt', now }
for k, v in pairs(cjson.decode(ARGV[2])) do
  flat[#flat + 1] = k
  flat[#flat + 1] = tostring(v)
end
rcall('HSET', KEYS[1], unpack(flat))
rcall('RPUSH', KEYS[2], cjson.encode({ status = ARGV[1], at = tonumber(now), reason = ARGV[3] }))
local id = rcall('XADD', KEYS[3], '*', 'type', ARGV[4], 'status', ARGV[1], 'at', now, 'reason', ARGV[3], 'data', ARGV[2])
return { id, from }
