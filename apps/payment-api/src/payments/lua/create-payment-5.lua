--[[
  Puts a payment on its shard of the unsettled index (as add-unsettled-payment-1.lua does) and
  records it as RECEIVED, in one step and one round trip (the request path's first write). As
  create-payment-4.lua otherwise: records the payment as RECEIVED, with the first line of its status history, its first audit
  entry and its outbox entry, together: a payment never exists without its history and audit,
  and no change is ever without its follow-ups (payment-keys.ts, the transactional outbox).

  KEYS[1] payment hash     pay:{<shard>}:<id>           the payment's fields
  KEYS[2] history list     pay:{<shard>}:<id>:history   JSON { status, at, reason } per change
  KEYS[3] audit stream     pay:{<shard>}:<id>:audit     one entry per change: type, status, at, data
  KEYS[4] outbox stream    pay:outbox:{<shard>}         one entry per change: paymentId, auditId, status, provider,
                                                        and traceparent when ARGV[4] gives one
  KEYS[5] unsettled shard  pay:unsettled:{<shard>}      payment id -> added at (Redis time, ms); the
                                                        same hash tag as the payment's keys

  ARGV[1] payment id
  ARGV[2] the payment's fields as a JSON object of strings
  ARGV[3] audit entry type (e.g. payment.received)
  ARGV[4] optional: the W3C traceparent of the request that made the change (tracing on only),
          written into the outbox entry so that its follow-ups join the request's trace

  Returns the audit entry id, or -1 when the payment exists already
]]
local rcall = redis.call

-- On the index before the record, as when they were two steps (a payment that exists already is
-- put there again too: its request is processing it anew).
local time = rcall('TIME')
rcall('ZADD', KEYS[5], tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000), ARGV[1])

-- @include "record-received"
