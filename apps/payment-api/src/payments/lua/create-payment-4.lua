--[[
  Records a new payment as RECEIVED, with the first line of its status history, its first audit
  entry and its outbox entry, together: a payment never exists without its history and audit,
  and no change is ever without its follow-ups (payment-keys.ts, the transactional outbox).

  KEYS[1] payment hash     pay:{<shard>}:<id>           the payment's fields
  KEYS[2] history list     pay:{<shard>}:<id>:history   JSON { status, at, reason } per change
  KEYS[3] audit stream     pay:{<shard>}:<id>:audit     one entry per change: type, status, at, data
  KEYS[4] outbox stream    pay:outbox:{<shard>}         one entry per change: paymentId, auditId, status, provider,
                                                        and traceparent when ARGV[4] gives one

  ARGV[1] payment id
  ARGV[2] the payment's fields as a JSON object of strings
  ARGV[3] audit entry type (e.g. payment.received)
  ARGV[4] optional: the W3C traceparent of the request that made the change (tracing on only),
          written into the outbox entry so that its follow-ups join the request's trace

  Returns the audit entry id, or -1 when the payment exists already
]]
local rcall = redis.call

-- @include "record-received"
