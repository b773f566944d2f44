--[[
  Claims an Idempotency-Key for a new payment, or says what became of the key before.
  A pending claim holds a lease: the request that made it has until leaseUntil to settle the key.
  A claim that finds the lease expired (its request died: SIGKILL, a Redis failure after the
  claim) takes the key over for itself, with a new lease, and says so ('stale'): the caller then
  recovers the payment from its record (payment-flow.ts).

  KEYS[1] key record   idem:{<sha256 of the key>}   bodyHash, paymentId, state (pending|done),
                                                   response, leaseUntil (Redis TIME, ms),
                                                   claimedBy (the token of the claim holding it)

  ARGV[1] hash of the request body
  ARGV[2] payment id to use if the key is new
  ARGV[3] how long the record lives, ms
  ARGV[4] lease of a pending claim, ms
  ARGV[5] this claim's token: with it, and only with it, the claim settles the key
          (settle-idempotency-key-1.lua); a takeover makes it the key's new holder

  Returns { 'new', paymentId } | { 'conflict' } (same key, another body) |
          { 'done', response JSON } | { 'pending', paymentId } (a request with this key is running) |
          { 'stale', paymentId } (the pending claim's lease had expired: it is now the caller's)
]]
local rcall = redis.call

local t = rcall('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local leaseUntil = tostring(now + tonumber(ARGV[4]))

local record = rcall('HMGET', KEYS[1], 'bodyHash', 'paymentId', 'state', 'response', 'leaseUntil')
if not record[1] then
  rcall('HSET', KEYS[1], 'bodyHash', ARGV[1], 'paymentId', ARGV[2], 'state', 'pending', 'leaseUntil', leaseUntil, 'claimedBy', ARGV[5])
  rcall('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
  return { 'new', ARGV[2] }
end
if record[1] ~= ARGV[1] then return { 'conflict' } end
if record[3] == 'done' then return { 'done', record[4] } end

local held = tonumber(record[5])
if not held then
  -- A claim written before leases existed: its lease starts now.
  rcall('HSET', KEYS[1], 'leaseUntil', leaseUntil)
  return { 'pending', record[2] }
end
if held > now then return { 'pending', record[2] } end
rcall('HSET', KEYS[1], 'leaseUntil', leaseUntil, 'claimedBy', ARGV[5])
return { 'stale', record[2] }
